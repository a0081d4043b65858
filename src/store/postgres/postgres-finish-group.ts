import type { Row } from '../rows.js';
import { toJson } from '../rows.js';
import type { FinishRunInput } from '../lease-store.js';
import { RunStatus } from '../../core/states.js';
import { ENDED_RUN_COLUMNS } from '../run-endings.js';
import { runStatusEvent } from '../run-events.js';
import { runWebhookEvent } from '../../core/webhook-events.js';
import { runDeliveriesCte } from './postgres-webhooks.js';
import { closeRunWaitpointsStatus } from '../waitpoint-rows.js';
import { attemptArrays, attemptEventArrays, finishCompletedInOne, type Query } from './postgres-progress.js';

/**
 * Group commit of COMPLETED finishes on PostgreSQL (issue 10), as src/store/sqlite/group-commit.ts
 * does for SQLite: a finish that arrives while none is on its way goes out at once, alone
 * (`finishCompletedInOne`); the finishes that arrive while one is on its way wait for it and
 * then go out together, as ONE statement (one round trip, one commit, one WAL flush for all).
 *
 * Each run in it is still guarded by its own claim: the statement's first CTE locks (in id
 * order) only the runs whose claim (worker, token) still holds; the next locks the concurrency
 * keys of those runs in key order before any is written, because the finish trigger of
 * migration 020 updates each run's key row, and two groups (two processes) updating the keys
 * of their runs in the order of their runs deadlocked (seen in the flow bench: PostgreSQL ends
 * one after deadlock_timeout, 1 s). Every write of the
 * statement — the terminal status, checkpoints, events, webhook outbox, waitpoints, deltas —
 * reads from the runs it locked, so a run whose claim is gone writes nothing and gets no row
 * back (its caller sees `false`), while the others complete. When the shared statement fails
 * (for example a deadlock with a bulk action, or one bad value), every finish of the group is
 * written again one by one, so one bad operation never fails the others.
 */
export interface FinishGroup {
  /** finishCompletedInOne, grouped: the ended run's row, or undefined when the claim is gone. */
  finish(input: FinishRunInput): Promise<Row | undefined>;
}

interface Pending {
  input: FinishRunInput;
  resolve: (row: Row | undefined) => void;
  reject: (error: unknown) => void;
}

/** At most this many finishes share a statement (more wait for the next). */
const MAX_GROUP = 100;

const GROUP_FINISH = `WITH f AS MATERIALIZED (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::integer[], $9::bigint[], $10::text[], $11::text[], $12::text[])
      WITH ORDINALITY AS f(f_run, f_worker, f_token, f_status, f_output, f_error, f_now, f_events, f_start, f_running, f_waitpoints, f_webhook, f_i)),
  held AS MATERIALIZED (
    SELECT r.id AS held_id, r.status AS held_status, f.f_i AS held_i FROM runs r JOIN f ON r.id = f.f_run
    WHERE r.lease_owner = f.f_worker AND r.claim_token = f.f_token AND r.status IN ('STARTING', 'RUNNING')
    ORDER BY r.id FOR NO KEY UPDATE OF r),
  key_locks AS MATERIALIZED (
    SELECT 1 FROM concurrency_keys c JOIN runs r ON c.workspace_id = r.workspace_id AND c.workflow_id = r.workflow_id AND c.key = r.concurrency_key
    WHERE r.id IN (SELECT held_id FROM held) AND r.concurrency_limit IS NOT NULL
    ORDER BY c.workspace_id, c.workflow_id, c.key FOR UPDATE OF c),
  done AS (
    UPDATE runs r SET status = f.f_status, output = f.f_output::json, error = f.f_error::json, updated_at = f.f_now, completed_at = f.f_now,
      lease_owner = NULL, claim_token = NULL, lease_expires_at = NULL,
      event_seq = r.event_seq + f.f_events + CASE WHEN held.held_status = 'STARTING' AND f.f_start IS NOT NULL THEN 1 ELSE 0 END
    FROM held JOIN f ON f.f_i = held.held_i WHERE r.id = held.held_id AND (SELECT count(*) FROM key_locks) >= 0
    RETURNING ${ENDED_RUN_COLUMNS}, event_seq, f.f_events, f.f_start, f.f_running, f.f_waitpoints, f.f_webhook,
      (held.held_status = 'STARTING' AND f.f_start IS NOT NULL) AS started),
  ${runDeliveriesCte('done.f_webhook', 'done.completed_at')},
  saved_attempts AS (
    INSERT INTO step_attempts (run_id, step_id, attempt, step_type, status, input, output, error, started_at, finished_at, wake_at)
    SELECT done.id, a.step_id, a.attempt, a.step_type, a.status, a.input::json, a.output::json, a.error::json, a.started_at, a.finished_at, a.wake_at
    FROM done JOIN unnest($13::text[], $14::text[], $15::integer[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::bigint[], $22::bigint[], $23::bigint[])
      AS a(run_id, step_id, attempt, step_type, status, input, output, error, started_at, finished_at, wake_at) ON a.run_id = done.id
    ON CONFLICT (run_id, step_id, attempt) DO UPDATE SET
      status = excluded.status, input = excluded.input, output = excluded.output, error = excluded.error,
      finished_at = excluded.finished_at, wake_at = excluded.wake_at
    RETURNING 1),
  closed AS (UPDATE waitpoints w SET status = done.f_waitpoints, completed_at = done.completed_at FROM done WHERE w.run_id = done.id AND w.status = 'OPEN'),
  dropped AS (DELETE FROM run_events d USING done WHERE d.run_id = done.id AND d.type = 'step.delta'),
  status_event AS (INSERT INTO run_events (run_id, seq, type, step_id, data, created_at)
    SELECT done.id, done.event_seq - done.f_events, 'run.status', NULL, done.f_running::json, done.f_start FROM done WHERE done.started),
  appended AS (INSERT INTO run_events (run_id, seq, type, step_id, data, created_at)
    SELECT done.id, done.event_seq - done.f_events + e.n, e.type, e.step_id, e.data::json, e.created_at
    FROM done JOIN unnest($24::text[], $25::text[], $26::text[], $27::text[], $28::bigint[], $29::integer[]) AS e(run_id, type, step_id, data, created_at, n)
      ON e.run_id = done.id)
  SELECT ${ENDED_RUN_COLUMNS}, event_seq FROM done`;

/** The group statement's parameters: per finish, then its attempts and events flattened with their run's id. */
function groupParams(inputs: readonly FinishRunInput[]): unknown[] {
  const perRun: unknown[][] = Array.from({ length: 12 }, () => []);
  const attempts: unknown[][] = Array.from({ length: 11 }, () => []);
  const events: unknown[][] = Array.from({ length: 6 }, () => []);
  for (const input of inputs) {
    const runId = input.lease.runId;
    const progress = input.progress;
    const start = progress?.startRunAt ?? null;
    const ownAttempts = attemptArrays(progress?.attempts ?? []) as unknown[][];
    const ownEvents = attemptEventArrays(progress?.attempts ?? []);
    const [types, stepIds, data, createdAt] = ownEvents.arrays as [string[], (string | null)[], string[], number[]];
    const status = runStatusEvent(input.status, input.now, input.error);
    types.push(status.type);
    stepIds.push(null);
    data.push(JSON.stringify(status.data));
    createdAt.push(input.now);
    [runId, input.lease.workerId, input.lease.claimToken, input.status, toJson(input.output), toJson(input.error), input.now, types.length,
      start, start === null ? null : JSON.stringify(runStatusEvent(RunStatus.RUNNING, start).data),
      closeRunWaitpointsStatus(input.error?.code), runWebhookEvent(input.status)].forEach((value, column) => perRun[column]!.push(value));
    for (let i = 0; i < (ownAttempts[0]?.length ?? 0); i++) {
      attempts[0]!.push(runId);
      ownAttempts.forEach((column, c) => attempts[c + 1]!.push(column[i]));
    }
    types.forEach((type, i) => {
      events[0]!.push(runId);
      events[1]!.push(type);
      events[2]!.push(stepIds[i]);
      events[3]!.push(data[i]);
      events[4]!.push(createdAt[i]);
      events[5]!.push(i + 1);
    });
  }
  return [...perRun, ...attempts, ...events];
}

/** `onGroupFailed`: told when a group statement failed and its finishes are written one by one (tests, logs). */
export function createFinishGroup(query: Query, onGroupFailed?: (error: unknown) => void): FinishGroup {
  let pending: Pending[] = [];
  let flushing = false;

  /** Writes one group; each caller's promise settles with its own row (or its own error, one by one). */
  async function write(group: Pending[]): Promise<void> {
    if (group.length === 1) {
      const [only] = group as [Pending];
      await finishCompletedInOne(query, only.input).then(only.resolve, only.reject);
      return;
    }
    let rows: Row[];
    try {
      rows = await query(GROUP_FINISH, groupParams(group.map((item) => item.input)), { prepared: 'slipway_finish_group' });
    } catch (error) {
      onGroupFailed?.(error);
      // One by one: a finish that fails alone fails only its own caller.
      await Promise.all(group.map((item) => finishCompletedInOne(query, item.input).then(item.resolve, item.reject)));
      return;
    }
    const byRun = new Map(rows.map((row) => [row.id as string, row]));
    for (const item of group) item.resolve(byRun.get(item.input.lease.runId));
  }

  /** The next group: up to MAX_GROUP finishes, one per run (a second finish of a run waits for the next group). */
  function takeGroup(): Pending[] {
    const group: Pending[] = [];
    const rest: Pending[] = [];
    const runs = new Set<string>();
    for (const item of pending) {
      if (group.length < MAX_GROUP && !runs.has(item.input.lease.runId)) {
        runs.add(item.input.lease.runId);
        group.push(item);
      } else {
        rest.push(item);
      }
    }
    pending = rest;
    return group;
  }

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (pending.length > 0) await write(takeGroup());
    } finally {
      flushing = false;
    }
  }

  return {
    finish(input) {
      return new Promise<Row | undefined>((resolve, reject) => {
        pending.push({ input, resolve, reject });
        if (!flushing) void flush();
      });
    },
  };
}
