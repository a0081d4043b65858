import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Pagination } from './schemas.js';

/** Wire schemas of schedules (SPEC §8). Imports nothing from `node:` (the dashboard uses the types). */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC with milliseconds' });

export const ScheduleOverlapSchema = Type.Union([Type.Literal('skip'), Type.Literal('allow')], {
  description: '`skip` (default): no fire while a run of this schedule is QUEUED, STARTING or RUNNING; `allow`: fire anyway',
});
export const ScheduleCatchupSchema = Type.Union([Type.Literal('none'), Type.Literal('last'), Type.Literal('all')], {
  description: 'After downtime: `none` (default), `last` (the latest missed time once), `all` (every missed time, at most 100)',
});
export const FireOutcomeSchema = Type.Union(
  ['created', 'skipped_overlap', 'daily_run_limit_exceeded', 'concurrent_run_limit_exceeded', 'invalid_inputs', 'workflow_not_published']
    .map((o) => Type.Literal(o)),
);

const Cron = Type.String({
  minLength: 1,
  maxLength: 200,
  description: '5 fields (minute hour day month weekday) or 6 with leading seconds; lists, ranges, steps, names, @hourly … @yearly',
});
const TimeZone = Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, default UTC' });
const Inputs = Type.Record(Type.String(), Type.Unknown(), { description: "Values for the workflow's inputs; checked against the published input schema" });
const Metadata = Type.Record(Type.String(), Type.Unknown(), { description: 'Given to every run of the schedule; at most 16 KiB as JSON' });

export const ScheduleSchema = Type.Object(
  {
    schedule_id: Type.String(),
    workflow_id: Type.String(),
    definition_id: Nullable(Type.String({ description: 'The schedule\'s `id` in its workflow file (source `definition`)' })),
    cron: Type.String(),
    timezone: Type.String(),
    inputs: Type.Record(Type.String(), Type.Unknown()),
    metadata: Nullable(Type.Record(Type.String(), Type.Unknown())),
    overlap: ScheduleOverlapSchema,
    catchup: ScheduleCatchupSchema,
    paused: Type.Boolean(),
    source: Type.Union([Type.Literal('api'), Type.Literal('definition')]),
    next_fire_at: Nullable(Timestamp),
    last_fire_at: Nullable(Timestamp),
    created_at: Timestamp,
    updated_at: Timestamp,
    upcoming: Type.Optional(Type.Array(Timestamp, { description: 'The next 5 fire times (GET of one schedule); empty while paused' })),
  },
  { $id: 'Schedule' },
);
export type Schedule = Static<typeof ScheduleSchema>;

export const ScheduleFireSchema = Type.Object(
  {
    fire_at: Timestamp,
    run_id: Nullable(Type.String()),
    outcome: FireOutcomeSchema,
    created_at: Timestamp,
  },
  { $id: 'ScheduleFire' },
);
export type ScheduleFire = Static<typeof ScheduleFireSchema>;

export const CreateScheduleBody = Type.Object(
  {
    workflow_id: Type.String({ minLength: 1, maxLength: 64 }),
    cron: Cron,
    timezone: Type.Optional(TimeZone),
    inputs: Type.Optional(Inputs),
    metadata: Type.Optional(Metadata),
    overlap: Type.Optional(ScheduleOverlapSchema),
    catchup: Type.Optional(ScheduleCatchupSchema),
    paused: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateScheduleBody = Static<typeof CreateScheduleBody>;

export const UpdateScheduleBody = Type.Object(
  {
    cron: Type.Optional(Cron),
    timezone: Type.Optional(TimeZone),
    inputs: Type.Optional(Inputs),
    metadata: Type.Optional(Nullable(Metadata)),
    overlap: Type.Optional(ScheduleOverlapSchema),
    catchup: Type.Optional(ScheduleCatchupSchema),
    paused: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type UpdateScheduleBody = Static<typeof UpdateScheduleBody>;

// No length limit: an id of any length that names nothing is 404 (SPEC §1).
export const ScheduleIdParams = Type.Object({ scheduleId: Type.String({ description: 'The `id` of the schedule', examples: ['01943a5e-7b1c-7d2e-9f00-3c4b5a697887'] }) });

export const ListSchedulesQuery = Type.Object(
  {
    workflow_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 15 })),
  },
  { additionalProperties: false },
);
export type ListSchedulesQuery = Static<typeof ListSchedulesQuery>;

export const ListSchedulesResponse = Type.Object({ data: Type.Array(ScheduleSchema, { description: 'Newest first' }), pagination: Pagination });
export type ListSchedulesResponse = Static<typeof ListSchedulesResponse>;

export const ListFiresQuery = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 15 })),
  },
  { additionalProperties: false },
);
export type ListFiresQuery = Static<typeof ListFiresQuery>;

export const ListFiresResponse = Type.Object({ data: Type.Array(ScheduleFireSchema, { description: 'Newest fire time first; kept 30 days' }), pagination: Pagination });
export type ListFiresResponse = Static<typeof ListFiresResponse>;

export const TriggerScheduleResponse = Type.Object({ ...ScheduleSchema.properties, fire: ScheduleFireSchema });
export type TriggerScheduleResponse = Static<typeof TriggerScheduleResponse>;

export const PreviewScheduleQuery = Type.Object(
  { cron: Cron, timezone: Type.Optional(TimeZone), count: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 5 })) },
  { additionalProperties: false },
);
export type PreviewScheduleQuery = Static<typeof PreviewScheduleQuery>;

export const PreviewScheduleResponse = Type.Object({ upcoming: Type.Array(Timestamp) });
export type PreviewScheduleResponse = Static<typeof PreviewScheduleResponse>;
