import { type Row, toJson, toRun, toStepAttempt } from '../rows.js';
import type { LeaseRef, LeaseStore, RunProgress } from '../lease-store.js';
import type pg from 'pg';
import type { StepAttempt } from '../types.js';
import type { PostgresDeps } from './postgres-deps.js';
import { RUNS_QUEUED_CHANNEL } from './queued-listener.js';
import { RunStatus } from '../../core/states.js';
import { ENDED_RUN_COLUMNS, RunChanges, toEndedRun } from '../run-endings.js';
import { runStatusEvent, stepAttemptEvents, stepEventTime } from '../run-events.js';
import { appendRunEventsPg } from './postgres-events.js';
import { runWebhookEvent } from '../../core/webhook-events.js';
import { runDeliveriesCte } from './postgres-webhooks.js';
import { afterRunFailedPg, appendRunEndEventsPg } from './postgres-run-control.js';
import { closeRunWaitpointsPg } from './postgres-waitpoints.js';
import { finishesInOne, saveProgressInOne } from './postgres-progress.js';
import { createFinishGroup } from './postgres-finish-group.js';
import { claimInOneParams, claimInOneSql, claimInOneResult, claimInTransactionPg } from './postgres-claim.js';

const ACTIVE = `('STARTING', 'RUNNING')`;
/** The guard of every write under a claim ($1 run, $2 worker, $3 claim token): this claim still holds the active run. */
const HELD = `id = $1 AND lease_owner = $2 AND claim_token = $3 AND status IN ${ACTIVE}`;

/** The first three parameters of every guarded write. */
const claimOf = (lease: LeaseRef): unknown[] => [lease.runId, lease.workerId, lease.claimToken];

/** Writes one attempt under the claim (the row locked for the transaction) and its events; false when the claim is gone. */
async function saveAttemptIn(client: pg.PoolClient, lease: LeaseRef, a: StepAttempt): Promise<boolean> {
  // The row lock keeps the claim check true until the write commits: a takeover's claim
  // skips the locked row instead of slipping in between. NO KEY UPDATE, not SHARE: the
  // events' counter is bumped on the same row in this transaction (two SHARE holders
  // upgrading at once would deadlock).
  const rows = (await client.query(
    `WITH held AS (SELECT id FROM runs WHERE ${HELD} FOR NO KEY UPDATE)
     INSERT INTO step_attempts (run_id, step_id, attempt, step_type, status, input, output, error, started_at, finished_at, wake_at)
     SELECT held.id, $4::text, $5::integer, $6::text, $7::text, $8::json, $9::json, $10::json, $11::bigint, $12::bigint, $13::bigint FROM held
     ON CONFLICT (run_id, step_id, attempt) DO UPDATE SET
       status = excluded.status, input = excluded.input, output = excluded.output, error = excluded.error,
       finished_at = excluded.finished_at, wake_at = excluded.wake_at
     RETURNING 1`,
    [...claimOf(lease), a.stepId, a.attempt, a.stepType, a.status, toJson(a.input), toJson(a.output), toJson(a.error), a.startedAt, a.finishedAt, a.wakeAt],
  )).rows;
  if (rows.length !== 1) return false;
  const at = stepEventTime(a);
  await appendRunEventsPg(client, a.runId, stepAttemptEvents(a, at), at);
  return true;
}

/**
 * saveProgress inside the caller's transaction: the claim checked (and the row locked) by the
 * first statement, which also moves a STARTING run to RUNNING when asked; then the attempts.
 * Throws `ProgressRefused` when the claim is gone after something was written (the caller's
 * transaction must roll back); returns false when nothing was written.
 */
export async function applyProgressIn(client: pg.PoolClient, lease: LeaseRef, progress: RunProgress): Promise<boolean> {
  if (progress.attempts.some((attempt) => attempt.runId !== lease.runId)) return false;
  const now = progress.startRunAt;
  if (now !== null) {
    const [held] = (await client.query(
      `WITH held AS (SELECT id, status FROM runs WHERE ${HELD} FOR NO KEY UPDATE),
       started AS (UPDATE runs r SET status = 'RUNNING', updated_at = $4, event_seq = r.event_seq + 1
         FROM held WHERE r.id = held.id AND held.status = 'STARTING' RETURNING r.event_seq)
       SELECT held.status, (SELECT event_seq FROM started) AS bumped FROM held`,
      [...claimOf(lease), now],
    )).rows as Row[];
    if (!held) return false;
    if (held.bumped !== null) await appendRunEventsPg(client, lease.runId, [runStatusEvent(RunStatus.RUNNING, now)], now, { bumpedTo: Number(held.bumped) });
  }
  for (const [index, attempt] of progress.attempts.entries()) {
    // The row is locked from the first statement on, so only the first can find the claim gone.
    if (!(await saveAttemptIn(client, lease, attempt))) {
      if (index === 0 && now === null) return false;
      throw new ProgressRefused();
    }
  }
  return true;
}

/** The claim was found gone halfway through a progress write: roll its transaction back. */
export class ProgressRefused extends Error {}

/** A rolled-back progress write is a refused write, as a lost claim is everywhere else. */
const refusedAsFalse = (error: unknown): false => {
  if (error instanceof ProgressRefused) return false;
  throw error;
};

/** Runs as the engine sees them (claim, lease, checkpoint, release, finish), PostgreSQL dialect. */
export function createPostgresLeases(deps: PostgresDeps): LeaseStore {
  const { query, transaction } = deps;

  /** NOTIFY the other processes and wake this one's workers: a run is claimable now. */
  async function announceQueued() {
    await query('SELECT pg_notify($1, $2)', [RUNS_QUEUED_CHANNEL, '']);
    deps.notifyQueued();
  }

  /** The workspace this process's last claim served last: the next claim starts after it. */
  let fairCursor: number | null = null;
  /** Concurrent COMPLETED finishes share one statement (postgres-finish-group.ts). */
  const finishGroup = createFinishGroup(query);

  return {
    async claimRuns(input) {
      if (input.limit <= 0) return [];
      const leaseUntil = input.now + input.leaseMs;
      // The common case in one autocommit statement (postgres-claim.ts); the transaction below
      // only when that statement met keys it cannot finish with (heads to reset, more pages).
      const executionIds = Array.from({ length: input.limit }, () => input.newExecutionId());
      const sql = claimInOneSql(input.limit);
      const answer = claimInOneResult(await query(sql.text, claimInOneParams({
        workerId: input.workerId, leaseUntil, now: input.now, excludeRunIds: input.excludeRunIds ?? [], executionIds, cursor: fairCursor,
      }), sql.prepared ? { prepared: sql.prepared } : {}));
      const claimed = answer.rows.map(toRun);
      const lastFresh = answer.rows.findLast((row) => row.claim_n !== null);
      if (lastFresh) fairCursor = Number(lastFresh.workspace_id);
      if (answer.emptyKeys > 0 && claimed.length < input.limit) {
        const rest = await transaction((client) => claimInTransactionPg(client, { ...input, limit: input.limit - claimed.length }, leaseUntil, fairCursor));
        fairCursor = rest.cursor;
        claimed.push(...rest.runs);
      }
      for (const claimedRun of claimed) if (claimedRun.claimCount === 1) deps.announceRunEvents(claimedRun.id);
      return claimed;
    },

    async renewLease(lease, leaseExpiresAt) {
      const rows = await query(`UPDATE runs SET lease_expires_at = $4 WHERE ${HELD} RETURNING id`, [...claimOf(lease), leaseExpiresAt]);
      return rows.length === 1;
    },

    async markRunRunning(lease, now) {
      // Already RUNNING (a resumed run) is fine as long as the claim is ours; only STARTING → RUNNING is an event.
      const outcome = await transaction(async (client): Promise<'started' | 'running' | 'lost'> => {
        const [held] = (await client.query(`SELECT status FROM runs WHERE ${HELD} FOR NO KEY UPDATE`, claimOf(lease))).rows as Row[];
        if (!held) return 'lost';
        if (held.status === RunStatus.RUNNING) return 'running';
        const [bumped] = (await client.query(
          `UPDATE runs SET status = 'RUNNING', updated_at = $2, event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq`,
          [lease.runId, now],
        )).rows as Row[];
        await appendRunEventsPg(client, lease.runId, [runStatusEvent(RunStatus.RUNNING, now)], now, { bumpedTo: Number(bumped!.event_seq) });
        return 'started';
      });
      if (outcome === 'started') deps.announceRunEvents(lease.runId);
      return outcome !== 'lost';
    },

    async releaseRun(lease, availableAt, now) {
      // SET expressions read the row as it was: a pending wake request makes it due now.
      const [row] = await query(
        `UPDATE runs SET lease_owner = NULL, claim_token = NULL, wake_requested = 0,
           lease_expires_at = CASE WHEN wake_requested = 1 THEN least($4::bigint, $5::bigint) ELSE $4::bigint END
         WHERE ${HELD} RETURNING lease_expires_at`,
        [...claimOf(lease), availableAt, now],
      );
      if (row && Number(row.lease_expires_at) <= now) await announceQueued();
      return row !== undefined;
    },

    async wakeRun(runId, now) {
      // Free and waiting: due now. Held by a worker: remembered, so its next release is due now.
      const [row] = await query(
        `UPDATE runs SET
           lease_expires_at = CASE WHEN lease_owner IS NULL THEN least(lease_expires_at, $1::bigint) ELSE lease_expires_at END,
           wake_requested = CASE WHEN lease_owner IS NULL THEN 0 ELSE 1 END
         WHERE id = $2 AND status IN ${ACTIVE} RETURNING lease_owner`,
        [now, runId],
      );
      if (row && row.lease_owner === null) await announceQueued();
      return row !== undefined;
    },

    async finishRun(input) {
      const { runId } = input.lease;
      if (finishesInOne(input)) {
        if (input.progress?.attempts.some((attempt) => attempt.runId !== runId)) return false;
        const row = await finishGroup.finish(input);
        if (!row) return false;
        deps.announceRunEvents(runId);
        deps.announceRunsEnded([toEndedRun(row)]);
        return true;
      }
      // The terminal status, its event and the webhook deliveries it owes commit together (the outbox).
      const finished = await transaction(async (client): Promise<false | RunChanges> => {
        // The run's last checkpoints first, in this transaction (one commit for both).
        if (input.progress && !(await applyProgressIn(client, input.lease, input.progress))) return false;
        const [row] = (await client.query(
          `WITH done AS (UPDATE runs SET status = $4, output = $5, error = $6, updated_at = $7, completed_at = $7,
             lease_owner = NULL, claim_token = NULL, lease_expires_at = NULL, event_seq = event_seq + 1
             WHERE ${HELD} RETURNING ${ENDED_RUN_COLUMNS}, event_seq),
           ${runDeliveriesCte('$8', '$7')}
           SELECT ${ENDED_RUN_COLUMNS}, event_seq FROM done`,
          [...claimOf(input.lease), input.status, toJson(input.output), toJson(input.error), input.now, runWebhookEvent(input.status)],
        )).rows as Row[];
        if (!row) {
          if (input.progress) throw new ProgressRefused();
          return false;
        }
        const changes = new RunChanges();
        changes.end(row);
        await closeRunWaitpointsPg(client, runId, input.error?.code, input.now);
        await appendRunEndEventsPg(client, runId, runStatusEvent(input.status, input.now, input.error), Number(row.event_seq), input.error?.code, input.now);
        // A run that fails (or times out, or is aborted) aborts its active child runs (SPEC §11).
        return input.status === RunStatus.FAILED ? afterRunFailedPg(client, runId, input.now, changes) : changes;
      }).catch(refusedAsFalse);
      if (finished === false) return false;
      for (const id of finished.touched) deps.announceRunEvents(id);
      deps.announceRunsEnded(finished.ended);
      return true;
    },

    async saveStepAttempt(lease, a) {
      if (a.runId !== lease.runId) return false;
      const saved = await transaction((client) => saveAttemptIn(client, lease, a));
      if (saved) deps.announceRunEvents(a.runId);
      return saved;
    },

    async saveProgress(lease, progress) {
      if (progress.attempts.some((attempt) => attempt.runId !== lease.runId)) return false;
      const saved = await saveProgressInOne(query, lease, progress);
      if (saved) deps.announceRunEvents(lease.runId);
      return saved;
    },

    async listStepAttempts(runId) {
      return (await query('SELECT * FROM step_attempts WHERE run_id = $1 ORDER BY started_at, step_id, attempt', [runId])).map(toStepAttempt);
    },
  };
}
