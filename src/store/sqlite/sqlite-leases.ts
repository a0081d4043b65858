import { newUuid } from '../../core/ids.js';
import { toJson, toRun, toStepAttempt } from '../rows.js';
import type { ClaimRunsInput, LeaseRef, LeaseStore, RunProgress } from '../lease-store.js';
import type { Run } from '../types.js';
import { RunStatus } from '../../core/states.js';
import { ENDED_RUN_COLUMNS, RunChanges } from '../run-endings.js';
import { runStatusEvent, stepAttemptEvents, stepEventTime, type NewRunEvent } from '../run-events.js';
import type { SqliteDeps } from './sqlite-deps.js';
import { planClaim } from '../claim-plan.js';
import { claimCandidatesSqlite, resetKeyHeadsSqlite } from './sqlite-flow.js';
import { appendRunEventsSqlite, appendTimedRunEventsSqlite } from './sqlite-events.js';
import { runWebhookEvent } from '../../core/webhook-events.js';
import { runRef } from '../webhook-rows.js';
import { recordRunDeliveriesSync } from './sqlite-webhooks.js';
import { afterRunFailedSync, runEndEventsSync } from './sqlite-run-control.js';
import { closeRunWaitpointsSqlite } from './sqlite-waitpoints.js';

/** The guard of every write under a claim: this claim still holds the active run. */
const HELD = `id = ? AND lease_owner = ? AND claim_token = ? AND status IN ('STARTING', 'RUNNING')`;

/** Runs as the engine sees them (claim, lease, checkpoint, release, finish), SQLite dialect. */
export function createSqliteLeases(deps: SqliteDeps): LeaseStore {
  const { db, one, all, run, writes } = deps;

  /** The workspace this process's last claim served last: the next claim starts after it. */
  let fairCursor: number | null = null;

  const claimRunsTx = db.transaction((input: ClaimRunsInput): Run[] => {
    const leaseUntil = input.now + input.leaseMs;
    const claimed: Run[] = [];
    // Runs whose lease expired: a crashed worker's, a released one's, or a wait now due.
    const excluded = JSON.stringify(input.excludeRunIds ?? []);
    const expired = all(
      `SELECT id FROM runs WHERE status IN ('STARTING', 'RUNNING') AND lease_expires_at <= ?
         AND id NOT IN (SELECT value FROM json_each(?))
       ORDER BY lease_expires_at LIMIT ?`,
      input.now, excluded, input.limit,
    );
    for (const { id } of expired) {
      const row = one(
        `UPDATE runs SET lease_owner = ?, claim_token = ?, lease_expires_at = ?, claim_count = claim_count + 1, wake_requested = 0
         WHERE id = ? RETURNING *`,
        input.workerId, newUuid(), leaseUntil, id,
      )!;
      claimed.push(toRun(row));
    }
    const room = input.limit - claimed.length;
    if (room <= 0) return claimed;
    // Fair across workspaces, in queue order within one, keyed runs only into free slots (SPEC §12).
    const candidates = claimCandidatesSqlite(deps, input.now, room);
    const plan = planClaim(candidates.plain, candidates.lanes, room, fairCursor);
    fairCursor = plan.lastWorkspaceId;
    for (const { id } of plan.runs) {
      const row = one(
        `UPDATE runs SET status = 'STARTING', execution_id = ?, started_at = ?, updated_at = ?,
           lease_owner = ?, claim_token = ?, lease_expires_at = ?, claim_count = claim_count + 1,
           workflow_version = coalesce(runs.workflow_version, (SELECT NULLIF(w.default_version, 0) FROM workflows w
                               WHERE w.workspace_id = runs.workspace_id AND w.id = runs.workflow_id))
         WHERE id = ? AND status = 'QUEUED' RETURNING *`,
        input.newExecutionId(), input.now, input.now, input.workerId, newUuid(), leaseUntil, id,
      )!;
      appendRunEventsSqlite(deps, id as string, [runStatusEvent(RunStatus.STARTING, input.now)], input.now);
      claimed.push(toRun(row));
    }
    resetKeyHeadsSqlite(deps, candidates.visited);
    return claimed;
  });

  /**
   * The pending start and the attempts, inside the caller's transaction (one savepoint of the
   * group commit): the claim is checked once first; SQLite has one writer, so it holds to the end.
   */
  function applyProgressSync(lease: LeaseRef, progress: RunProgress): boolean {
    const events = writeProgressSync(lease, progress);
    if (events === null) return false;
    appendTimedRunEventsSqlite(deps, lease.runId, events);
    return true;
  }

  /** applyProgressSync without its events: they are returned, for the caller to append with its own (one seq bump per write). Null: the claim is gone. */
  function writeProgressSync(lease: LeaseRef, progress: RunProgress): { event: NewRunEvent; at: number }[] | null {
    if (progress.attempts.some((attempt) => attempt.runId !== lease.runId)) return null;
    const held = one(`SELECT status FROM runs WHERE ${HELD}`, lease.runId, lease.workerId, lease.claimToken);
    if (!held) return null;
    const events: { event: NewRunEvent; at: number }[] = [];
    const now = progress.startRunAt;
    if (now !== null && held.status === RunStatus.STARTING) {
      run(`UPDATE runs SET status = 'RUNNING', updated_at = ? WHERE id = ?`, now, lease.runId);
      events.push({ event: runStatusEvent(RunStatus.RUNNING, now), at: now });
    }
    for (const attempt of progress.attempts) {
      run(
        `INSERT INTO step_attempts (run_id, step_id, attempt, step_type, status, input, output, error, started_at, finished_at, wake_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, step_id, attempt) DO UPDATE SET
           status = excluded.status, input = excluded.input, output = excluded.output, error = excluded.error,
           finished_at = excluded.finished_at, wake_at = excluded.wake_at`,
        attempt.runId, attempt.stepId, attempt.attempt, attempt.stepType, attempt.status, toJson(attempt.input),
        toJson(attempt.output), toJson(attempt.error), attempt.startedAt, attempt.finishedAt, attempt.wakeAt,
      );
      const at = stepEventTime(attempt);
      for (const event of stepAttemptEvents(attempt, at)) events.push({ event, at });
    }
    return events;
  }

  async function saveProgress(lease: LeaseRef, progress: RunProgress): Promise<boolean> {
    const saved = await writes.submit(() => applyProgressSync(lease, progress));
    if (saved) deps.announceRunEvents(lease.runId);
    return saved;
  }

  return {
    async claimRuns(input) {
      if (input.limit <= 0) return [];
      const claimed = await writes.submit(() => claimRunsTx(input));
      // A first claim is QUEUED → STARTING: its run.status event was appended in the claim.
      for (const claimedRun of claimed) if (claimedRun.claimCount === 1) deps.announceRunEvents(claimedRun.id);
      return claimed;
    },

    async renewLease(lease, leaseExpiresAt) {
      const result = await writes.submit(() => run(
        `UPDATE runs SET lease_expires_at = ? WHERE ${HELD}`,
        leaseExpiresAt, lease.runId, lease.workerId, lease.claimToken,
      ));
      return result.changes === 1;
    },

    async markRunRunning(lease, now) {
      // Already RUNNING (a resumed run) is fine as long as the claim is ours; only STARTING → RUNNING is an event.
      const outcome = await writes.submit((): 'started' | 'running' | 'lost' => {
        const held = one(`SELECT status FROM runs WHERE ${HELD}`, lease.runId, lease.workerId, lease.claimToken);
        if (!held) return 'lost';
        if (held.status === RunStatus.RUNNING) return 'running';
        run(`UPDATE runs SET status = 'RUNNING', updated_at = ? WHERE id = ?`, now, lease.runId);
        appendRunEventsSqlite(deps, lease.runId, [runStatusEvent(RunStatus.RUNNING, now)], now);
        return 'started';
      });
      if (outcome === 'started') deps.announceRunEvents(lease.runId);
      return outcome !== 'lost';
    },

    async releaseRun(lease, availableAt, now) {
      const row = await writes.submit(() => one(
        `UPDATE runs SET lease_owner = NULL, claim_token = NULL, wake_requested = 0,
           lease_expires_at = CASE WHEN wake_requested = 1 THEN min(?, ?) ELSE ? END
         WHERE ${HELD} RETURNING lease_expires_at`,
        availableAt, now, availableAt, lease.runId, lease.workerId, lease.claimToken,
      ));
      if (row && Number(row.lease_expires_at) <= now) deps.notifyQueued();
      return row !== undefined;
    },

    async wakeRun(runId, now) {
      // Free and waiting: due now. Held by a worker: remembered, so its next release is due now.
      const row = await writes.submit(() => one(
        `UPDATE runs SET
           lease_expires_at = CASE WHEN lease_owner IS NULL THEN min(lease_expires_at, ?) ELSE lease_expires_at END,
           wake_requested = CASE WHEN lease_owner IS NULL THEN 0 ELSE 1 END
         WHERE id = ? AND status IN ('STARTING', 'RUNNING') RETURNING lease_owner`,
        now, runId,
      ));
      if (row && row.lease_owner === null) deps.notifyQueued();
      return row !== undefined;
    },

    async finishRun(input) {
      // The terminal status and the webhook deliveries it owes commit together (the outbox).
      const { lease } = input;
      const finished = await writes.submit(() => {
        // The run's last checkpoints first; a refusal rolls nothing back because nothing was written.
        const progressEvents = input.progress ? writeProgressSync(lease, input.progress) : [];
        if (progressEvents === null) return false;
        const done = one(
          `UPDATE runs SET status = ?, output = ?, error = ?, updated_at = ?, completed_at = ?,
             lease_owner = NULL, claim_token = NULL, lease_expires_at = NULL
           WHERE ${HELD} RETURNING ${ENDED_RUN_COLUMNS}`,
          input.status, toJson(input.output), toJson(input.error), input.now, input.now, lease.runId, lease.workerId, lease.claimToken,
        );
        if (!done) {
          appendTimedRunEventsSqlite(deps, lease.runId, progressEvents); // the progress stays written, as a refused finish leaves it
          return false;
        }
        const changes = new RunChanges();
        changes.end(done);
        recordRunDeliveriesSync(deps, runRef(done), runWebhookEvent(input.status)!, input.now);
        closeRunWaitpointsSqlite(deps, lease.runId, input.error?.code, input.now);
        // The last checkpoints' events and the end events with one seq bump.
        const endEvents = runEndEventsSync(deps, lease.runId, runStatusEvent(input.status, input.now, input.error), input.error?.code, input.now);
        appendTimedRunEventsSqlite(deps, lease.runId, [...progressEvents, ...endEvents.map((event) => ({ event, at: input.now }))]);
        // A run that fails (or times out, or is aborted) aborts its active child runs (SPEC §11).
        return input.status === RunStatus.FAILED ? afterRunFailedSync(deps, lease.runId, input.now, changes) : changes;
      });
      if (finished === false) return false;
      for (const runId of finished.touched) deps.announceRunEvents(runId);
      deps.announceRunsEnded(finished.ended);
      return true;
    },

    async saveStepAttempt(lease, attempt) {
      return saveProgress(lease, { startRunAt: null, attempts: [attempt] });
    },

    saveProgress,

    async listStepAttempts(runId) {
      return all('SELECT * FROM step_attempts WHERE run_id = ? ORDER BY started_at, step_id, attempt', runId).map(toStepAttempt);
    },
  };
}
