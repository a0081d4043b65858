import { type Row, toJson } from '../rows.js';
import type { FinishRunInput, LeaseRef, RunProgress } from '../lease-store.js';
import type { StepAttempt } from '../types.js';
import { RunStatus } from '../../core/states.js';
import { ENDED_RUN_COLUMNS } from '../run-endings.js';
import { runStatusEvent, STEP_END_EVENTS, stepAttemptEvents, stepEventTime } from '../run-events.js';
import { runWebhookEvent } from '../../core/webhook-events.js';
import { runDeliveriesCte } from './postgres-webhooks.js';
import { closeRunWaitpointsStatus } from '../waitpoint-rows.js';

/**
 * The engine's two hot writes on PostgreSQL, each as ONE autocommit statement (issue 10):
 * a run's progress (its move to RUNNING, step attempts and their events) and the finish of a
 * COMPLETED run (its last checkpoints, the terminal status, the webhook outbox, the
 * waitpoints it leaves, its events). The transaction of many statements they replace cost a
 * round trip per statement (node-postgres sends one at a time) plus BEGIN and COMMIT; one
 * statement is one round trip and one commit, and it is as atomic as the transaction was.
 *
 * Every part is guarded by the claim: the first CTE locks the run row only while this claim
 * holds it, and every other part reads from that CTE, so a lost claim writes nothing and the
 * statement returns no row. The run row is updated once, with `event_seq` bumped by the
 * number of events the statement appends.
 */

/** The claim guard ($1 run, $2 worker, $3 claim token). */
const HELD = `id = $1 AND lease_owner = $2 AND claim_token = $3 AND status IN ('STARTING', 'RUNNING')`;

export type Query = (sql: string, params?: unknown[], options?: { prepared?: string }) => Promise<Row[]>;

const ATTEMPT_COLUMNS = `a(step_id, attempt, step_type, status, input, output, error, started_at, finished_at, wake_at)`;
const ATTEMPT_ARRAYS = (from: number) =>
  `unnest($${from}::text[], $${from + 1}::integer[], $${from + 2}::text[], $${from + 3}::text[], $${from + 4}::text[], $${from + 5}::text[], $${from + 6}::text[], $${from + 7}::bigint[], $${from + 8}::bigint[], $${from + 9}::bigint[]) AS ${ATTEMPT_COLUMNS}`;
/** Upserts the attempts of `ATTEMPT_ARRAYS` for the run of CTE `source` (empty when the claim is gone). */
const attemptsCte = (source: string, from: number) => `saved_attempts AS (
    INSERT INTO step_attempts (run_id, step_id, attempt, step_type, status, input, output, error, started_at, finished_at, wake_at)
    SELECT ${source}.id, a.step_id, a.attempt, a.step_type, a.status, a.input::json, a.output::json, a.error::json, a.started_at, a.finished_at, a.wake_at
    FROM ${source}, ${ATTEMPT_ARRAYS(from)}
    ON CONFLICT (run_id, step_id, attempt) DO UPDATE SET
      status = excluded.status, input = excluded.input, output = excluded.output, error = excluded.error,
      finished_at = excluded.finished_at, wake_at = excluded.wake_at
    RETURNING 1)`;
/** Appends the events of `EVENT_ARRAYS` after the run's `event_seq` as CTE `source` returns it, bumped by `count` ($n). */
const eventsCte = (name: string, source: string, count: string, from: number) => `${name} AS (
    INSERT INTO run_events (run_id, seq, type, step_id, data, created_at)
    SELECT ${source}.id, ${source}.event_seq - ${count} + e.n, e.type, e.step_id, e.data::json, e.created_at
    FROM ${source}, unnest($${from}::text[], $${from + 1}::text[], $${from + 2}::text[], $${from + 3}::bigint[]) WITH ORDINALITY AS e(type, step_id, data, created_at, n))`;

/** The attempts as column arrays (one row per attempt: the last write of an attempt wins, as one after another would). */
export function attemptArrays(attempts: readonly StepAttempt[]): unknown[] {
  const last = new Map<string, StepAttempt>();
  for (const attempt of attempts) last.set(`${attempt.stepId}\u0000${attempt.attempt}`, attempt);
  const rows = [...last.values()];
  return [
    rows.map((a) => a.stepId), rows.map((a) => a.attempt), rows.map((a) => a.stepType), rows.map((a) => a.status),
    rows.map((a) => toJson(a.input)), rows.map((a) => toJson(a.output)), rows.map((a) => toJson(a.error)),
    rows.map((a) => a.startedAt), rows.map((a) => a.finishedAt), rows.map((a) => a.wakeAt),
  ];
}

/** The attempts' events in order, as column arrays, and the steps whose attempt ended (their deltas go). */
export function attemptEventArrays(attempts: readonly StepAttempt[]): { count: number; arrays: unknown[]; endedSteps: string[] } {
  const types: string[] = [];
  const stepIds: (string | null)[] = [];
  const data: string[] = [];
  const createdAt: number[] = [];
  const endedSteps: string[] = [];
  for (const attempt of attempts) {
    const at = stepEventTime(attempt);
    for (const event of stepAttemptEvents(attempt, at)) {
      types.push(event.type);
      stepIds.push(attempt.stepId);
      data.push(JSON.stringify(event.data));
      createdAt.push(at);
      if (STEP_END_EVENTS.has(event.type)) endedSteps.push(attempt.stepId);
    }
  }
  return { count: types.length, arrays: [types, stepIds, data, createdAt], endedSteps };
}

/**
 * saveProgress in one statement: the run moved STARTING → RUNNING when `startRunAt` is set
 * (an already RUNNING run stays as it is; only the move is an event), the attempts upserted,
 * their events appended, the deltas of attempts that ended dropped. False when the claim is gone.
 */
export async function saveProgressInOne(query: Query, lease: LeaseRef, progress: RunProgress): Promise<boolean> {
  const events = attemptEventArrays(progress.attempts);
  const start = progress.startRunAt;
  const rows = await query(
    `WITH held AS (SELECT id, status FROM runs WHERE ${HELD} FOR NO KEY UPDATE),
     moved AS (UPDATE runs r SET
         status = CASE WHEN held.status = 'STARTING' AND $4::bigint IS NOT NULL THEN 'RUNNING' ELSE r.status END,
         updated_at = CASE WHEN held.status = 'STARTING' AND $4::bigint IS NOT NULL THEN $4::bigint ELSE r.updated_at END,
         event_seq = r.event_seq + $5::integer + CASE WHEN held.status = 'STARTING' AND $4::bigint IS NOT NULL THEN 1 ELSE 0 END
       FROM held WHERE r.id = held.id
       RETURNING r.id, r.event_seq, (held.status = 'STARTING' AND $4::bigint IS NOT NULL) AS started),
     ${attemptsCte('held', 6)},
     dropped AS (DELETE FROM run_events d USING held WHERE d.run_id = held.id AND d.type = 'step.delta' AND d.step_id = ANY($16::text[])),
     status_event AS (INSERT INTO run_events (run_id, seq, type, step_id, data, created_at)
       SELECT moved.id, moved.event_seq - $5::integer, 'run.status', NULL, $17::json, $4::bigint FROM moved WHERE moved.started),
     ${eventsCte('step_events', 'moved', '$5::integer', 18)}
     SELECT started FROM moved`,
    [lease.runId, lease.workerId, lease.claimToken, start, events.count, ...attemptArrays(progress.attempts), events.endedSteps,
      start === null ? null : JSON.stringify(runStatusEvent(RunStatus.RUNNING, start).data), ...events.arrays],
    { prepared: 'slipway_save_progress' },
  );
  return rows.length === 1;
}

/** The finishes one statement writes: COMPLETED ones (a FAILED run may have child runs to abort, in the transaction path). */
export const finishesInOne = (input: FinishRunInput): boolean => input.status === RunStatus.COMPLETED;

/**
 * finishRun of a COMPLETED run in one statement: a pending move to RUNNING (its event first),
 * its pending checkpoints, the terminal status with the lease cleared, the webhook deliveries
 * it owes (the outbox), its open waitpoints closed, its deltas dropped, the events appended.
 * The ended run's row, or undefined when the claim is gone.
 */
export async function finishCompletedInOne(query: Query, input: FinishRunInput): Promise<Row | undefined> {
  const attempts = input.progress?.attempts ?? [];
  const start = input.progress?.startRunAt ?? null;
  const events = attemptEventArrays(attempts);
  const arrays = events.arrays as [string[], (string | null)[], string[], number[]];
  const status = runStatusEvent(input.status, input.now, input.error);
  arrays[0].push(status.type);
  arrays[1].push(null);
  arrays[2].push(JSON.stringify(status.data));
  arrays[3].push(input.now);
  const [row] = await query(
    `WITH held AS (SELECT id AS held_id, status AS held_status FROM runs WHERE ${HELD} FOR NO KEY UPDATE),
     done AS (UPDATE runs r SET status = $4, output = $5, error = $6, updated_at = $7, completed_at = $7,
         lease_owner = NULL, claim_token = NULL, lease_expires_at = NULL,
         event_seq = r.event_seq + $9::integer + CASE WHEN held.held_status = 'STARTING' AND $25::bigint IS NOT NULL THEN 1 ELSE 0 END
       FROM held WHERE r.id = held.held_id
       RETURNING ${ENDED_RUN_COLUMNS}, event_seq, (held.held_status = 'STARTING' AND $25::bigint IS NOT NULL) AS started),
     ${runDeliveriesCte('$8', '$7')},
     ${attemptsCte('done', 10)},
     closed AS (UPDATE waitpoints w SET status = $20, completed_at = $7 FROM done WHERE w.run_id = done.id AND w.status = 'OPEN'),
     dropped AS (DELETE FROM run_events d USING done WHERE d.run_id = done.id AND d.type = 'step.delta'),
     status_event AS (INSERT INTO run_events (run_id, seq, type, step_id, data, created_at)
       SELECT done.id, done.event_seq - $9::integer, 'run.status', NULL, $26::json, $25::bigint FROM done WHERE done.started),
     ${eventsCte('appended', 'done', '$9::integer', 21)}
     SELECT ${ENDED_RUN_COLUMNS}, event_seq FROM done`,
    [input.lease.runId, input.lease.workerId, input.lease.claimToken, input.status, toJson(input.output), toJson(input.error), input.now,
      runWebhookEvent(input.status), events.count + 1, ...attemptArrays(attempts), closeRunWaitpointsStatus(input.error?.code), ...arrays,
      start, start === null ? null : JSON.stringify(runStatusEvent(RunStatus.RUNNING, start).data)],
    { prepared: 'slipway_finish_completed' },
  );
  return row;
}
