import { type Static, Type } from '@sinclair/typebox';
import { RunStatusSchema } from './schemas.js';

/** Run control (SPEC §11): replay, abort and bulk actions. */

export const ReplayRunBody = Type.Object(
  {
    from_step: Type.Optional(Type.String({ minLength: 1, description: 'Replay from this step (and its descendants), or `@failed`: from every failed step' })),
    version: Type.Optional(Type.Union([Type.Literal('same'), Type.Literal('latest')], { description: '`same` (default): the source run\'s version; `latest`: the workflow\'s default version' })),
    inputs: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Other inputs for a full replay; not with `from_step`' })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Other metadata; default the source run\'s' })),
  },
  { additionalProperties: false, $id: 'ReplayRunRequest' },
);
export type ReplayRunBody = Static<typeof ReplayRunBody>;

export const AbortRunResponse = Type.Object(
  {
    run_id: Type.String(),
    status: Type.String({ description: 'CANCELED (it was QUEUED), FAILED (it was waiting: ended at once), or RUNNING/STARTING (stopping within SLIPWAY_ABORT_GRACE)' }),
  },
  { $id: 'AbortRunResponse' },
);
export type AbortRunResponse = Static<typeof AbortRunResponse>;

export const BulkRunsBody = Type.Object(
  {
    action: Type.Union([Type.Literal('cancel'), Type.Literal('abort'), Type.Literal('replay')]),
    filter: Type.Object(
      {
        workflow_id: Type.Optional(Type.String()),
        status: Type.Optional(Type.Array(RunStatusSchema, { maxItems: 6 })),
        created_after: Type.Optional(Type.String({ format: 'date-time' })),
        created_before: Type.Optional(Type.String({ format: 'date-time' })),
        run_ids: Type.Optional(Type.Array(Type.String(), { maxItems: 10_000 })),
        all: Type.Optional(Type.Boolean({ description: 'Required to act on every run of the workspace (an empty filter)' })),
      },
      { additionalProperties: false },
    ),
    from_step: Type.Optional(Type.String({ minLength: 1, description: 'For `replay`: a step id or `@failed`' })),
    dry_run: Type.Optional(Type.Boolean({ description: 'Count what would happen; change nothing' })),
  },
  { additionalProperties: false, $id: 'BulkRunsRequest' },
);
export type BulkRunsBody = Static<typeof BulkRunsBody>;

export const BulkRunsResponse = Type.Object(
  {
    matched: Type.Integer({ description: 'Runs the filter matched' }),
    affected: Type.Integer({ description: 'Runs the action changed (0 for a dry run)' }),
    refused: Type.Integer({ description: 'Matched runs the action did not apply to (e.g. not QUEUED for cancel)' }),
  },
  { $id: 'BulkRunsResponse' },
);
export type BulkRunsResponse = Static<typeof BulkRunsResponse>;
