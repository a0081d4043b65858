import { Type, type Static } from '@sinclair/typebox';
import { parseCronCalendar } from './cron-calendar.js';
import type { WorkflowDefinition } from './definition.js';
import { toInputSchema, validateRunInputs } from './inputs.js';

/** A schedule declared in a workflow file (`schedules:`, SPEC §8); publishing the file creates, updates and removes them. */
export const ScheduleDefinitionSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    cron: Type.String({ minLength: 1, maxLength: 200 }),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    inputs: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    overlap: Type.Optional(Type.Union([Type.Literal('skip'), Type.Literal('allow')])),
    catchup: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('last'), Type.Literal('all')])),
  },
  { additionalProperties: false },
);
export type ScheduleDefinition = Static<typeof ScheduleDefinitionSchema>;

/** One problem of a declared schedule: its place below `schedules[i]` and what is wrong. */
export interface ScheduleProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Checks the `schedules:` of a definition: unique ids, cron and time zone that parse,
 * inputs that match this definition's own input schema (the one published with it).
 */
export function checkScheduleDefinitions(definition: WorkflowDefinition): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  const ids = new Set<string>();
  const schema = toInputSchema(definition.inputs);
  (definition.schedules ?? []).forEach((schedule, i) => {
    if (ids.has(schedule.id)) problems.push({ path: ['schedules', i, 'id'], message: `duplicate schedule id "${schedule.id}"` });
    ids.add(schedule.id);
    const calendar = parseCronCalendar(schedule.cron, schedule.timezone ?? 'UTC');
    if (!calendar.ok) problems.push({ path: ['schedules', i, calendar.field], message: calendar.message });
    const checked = validateRunInputs(schema, schedule.inputs ?? {});
    if (!checked.ok) for (const detail of checked.details) problems.push({ path: ['schedules', i, ...detail.path.split('.')], message: detail.message });
  });
  return problems;
}
