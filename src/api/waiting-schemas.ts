import { Type, type Static, type TProperties, type TSchema } from '@sinclair/typebox';

/** Wire schemas of "why is this run waiting?" (SPEC §12): `waiting` in run details. */

const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC with milliseconds' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** One reason: `{reason, since, until?, detail}`. */
function reason<R extends string, D extends TProperties>(name: R, description: string, detail: D) {
  return Type.Object(
    {
      reason: Type.Literal(name),
      since: Type.String({ format: 'date-time', description: 'Since when the run waits for this' }),
      until: Type.Optional(Type.String({ format: 'date-time', description: 'When the wait ends by itself (scheduled, retry, delay)' })),
      detail: Type.Object(detail),
    },
    { description },
  );
}

export const RunWaitingSchema = Type.Union(
  [
    reason('scheduled', 'QUEUED until its `not_before` (create option `delay` / `not_before`)', { not_before: Timestamp }),
    reason('concurrency_key', 'QUEUED: its concurrency key already has `limit` runs STARTING or RUNNING', {
      key: Type.String(), limit: Type.Integer(), running: Type.Integer(),
    }),
    reason('no_workers', 'QUEUED and no worker process is live (none seen within its lease timeout)', {
      last_seen_at: Nullable(Timestamp),
    }),
    reason('queue', 'QUEUED behind other claimable runs', {
      position: Type.Integer({ description: 'Claimable runs ahead of this one, capped at 1,000' }),
      workers: Type.Integer({ description: 'Live worker processes' }),
    }),
    reason('waitpoint', 'RUNNING, asleep in a `wait` step until its waitpoint is completed or expires', {
      waitpoint_id: Type.String(), kind: Type.String(), expires_at: Nullable(Timestamp),
    }),
    reason('child_run', 'RUNNING, asleep in a `workflow` step until its child run ends', { run_id: Type.String() }),
    reason('retry', 'RUNNING, a step failed and retries at `until`', {
      step_id: Type.String(), attempt: Type.Integer({ description: 'The attempt that runs next' }), max_attempts: Type.Integer(),
    }),
    reason('delay', 'RUNNING, asleep in a `delay` step until `until`', { step_id: Type.String() }),
  ],
  { $id: 'RunWaiting', description: 'Why a QUEUED or RUNNING run waits: the first reason that applies, in this order (SPEC §12)' },
);

/** The union as the server builds it and clients read it (typed per reason). */
export type RunWaiting = Static<typeof RunWaitingSchema>;

/** Most queued runs ahead that `queue.position` counts (the scan stops there). */
export const QUEUE_POSITION_CAP = 1000;
