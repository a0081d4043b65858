import { newUuid } from '../../core/ids.js';
import { toJson, toRun, toStepAttempt } from '../rows.js';
import type { ClaimRunsInput, LeaseRef, LeaseStore, RunProgress } from '../lease-store.js';
import type { Run, StepAttempt } from '../types.js';
import { RunStatus } from '../../core/states.js';
import { ENDED_RUN_COLUMNS, RunChanges } from '../run-endings.js';
import { runStatusEvent, stepAttemptEvents, stepEventTime, type NewRunEvent } from '../run-events.js';
import type { SqliteDeps } from './sqlite-deps.js';
import { planClaim } from '../claim-plan.js';
import { claimCandidatesSqlite, resetKeyHeadsSqlite } from './sqlite-flow.js';
import { appendRunEventsSqlite, insertRunEventsSqlite } from './sqlite-events.js';
import { runWebhookEvent } from '../../core/webhook-events.js';
import { runRef } from '../webhook-rows.js';
import { recordRunDeliveriesSync } from './sqlite-webhooks.js';
import { afterRunFailedSync, runEndEventsSync } from './sqlite-run-control.js';
import { closeRunWaitpointsSqlite } from './sqlite-waitpoints.js';

/** The guard of every write under a claim: this claim still holds the active run. */
const HELD = `id = ? AND lease_owner = ? AND claim_token = ? AND status IN ('STARTING', 'RUNNING')`;

/** A claim's QUEUED runs → STARTING: `?` 1 is the JSON array of [run id, execution id, claim token]. */
const CLAIM_QUEUED = `WITH picked (id, execution_id, claim_token) AS (SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?))
  UPDATE runs SET status = 'STARTING', execution_id = (SELECT p.execution_id FROM picked p WHERE p.id = runs.id), started_at = ?, updated_at = ?,
    lease_owner = ?, claim_token = (SELECT p.claim_token FROM picked p WHERE p.id = runs.id), lease_expires_at = ?, claim_count = claim_count + 1,
    workflow_version = coalesce(runs.workflow_version, (SELECT NULLIF(w.default_version, 0) FROM workflows w
                        WHERE w.workspace_id = runs.workspace_id AND w.id = runs.workflow_id)),
    event_seq = event_seq + 1
  WHERE id IN (SELECT id FROM picked) AND status = 'QUEUED' RETURNING *`;

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
    if (plan.runs.length > 0) {
      // One UPDATE for the whole plan (each run's execution id and claim token from the JSON
      // argument), answered in plan order, and one INSERT for their STARTING events, each
      // numbered by the UPDATE's bump. Row by row, every trigger sees what it saw before.
      const picked = plan.runs.map(({ id }) => [id, input.newExecutionId(), newUuid()]);
      const rows = new Map(all(CLAIM_QUEUED, JSON.stringify(picked), input.now, input.now, input.workerId, leaseUntil).map((row) => [row.id as string, row]));
      const started = JSON.stringify(runStatusEvent(RunStatus.STARTING, input.now).data);
      const events: unknown[] = [];
      for (const { id } of plan.runs) {
        const row = rows.get(id)!;
        events.push(id, Number(row.event_seq), started, input.now);
        claimed.push(toRun(row));
      }
      run(`INSERT INTO run_events (run_id, seq, type, step_id, data, created_at) VALUES ${plan.runs.map(() => `(?, ?, 'run.status', NULL, ?, ?)`).join(', ')}`, events);
    }
    resetKeyHeadsSqlite(deps, candidates.visited);
    return claimed;
  });

  /**
   * The pending start and the attempts, inside the caller's transaction (one savepoint of the
   * group commit), with their events: the claim is checked first, by the UPDATE that moves the
   * run to RUNNING and numbers the events (or by the one that only numbers them); SQLite has
   * one writer, so it holds to the end. Nothing is written when the claim is gone.
   */
  function applyProgressSync(lease: LeaseRef, progress: RunProgress): boolean {
    if (progress.attempts.some((attempt) => attempt.runId !== lease.runId)) return false;
    const attempts = mergedAttempts(progress.attempts);
    const stepEvents = attemptEvents(progress.attempts);
    const now = progress.startRunAt;
    let events = stepEvents;
    let bumped = now === null ? undefined : one(
      `UPDATE runs SET status = 'RUNNING', updated_at = ?, event_seq = event_seq + ? WHERE ${HELD} AND status = 'STARTING' RETURNING event_seq`,
      now, stepEvents.length + 1, lease.runId, lease.workerId, lease.claimToken,
    );
    if (bumped) events = [{ event: runStatusEvent(RunStatus.RUNNING, now!), at: now! }, ...stepEvents];
    else if (stepEvents.length > 0) bumped = one(`UPDATE runs SET event_seq = event_seq + ? WHERE ${HELD} RETURNING event_seq`, stepEvents.length, lease.runId, lease.workerId, lease.claimToken);
    else bumped = one(`SELECT event_seq FROM runs WHERE ${HELD}`, lease.runId, lease.workerId, lease.claimToken);
    if (!bumped) return false;
    for (const attempt of attempts) writeAttemptSync(attempt);
    if (events.length > 0) insertRunEventsSqlite(deps, lease.runId, Number(bumped.event_seq), events);
    return true;
  }

  function writeAttemptSync(attempt: StepAttempt): void {
    run(
      `INSERT INTO step_attempts (run_id, step_id, attempt, step_type, status, input, output, error, started_at, finished_at, wake_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, step_id, attempt) DO UPDATE SET
         status = excluded.status, input = excluded.input, output = excluded.output, error = excluded.error,
         finished_at = excluded.finished_at, wake_at = excluded.wake_at`,
      attempt.runId, attempt.stepId, attempt.attempt, attempt.stepType, attempt.status, toJson(attempt.input),
      toJson(attempt.output), toJson(attempt.error), attempt.startedAt, attempt.finishedAt, attempt.wakeAt,
    );
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
        // The claim first (a refusal writes nothing), then the last checkpoints, the end and all
        // their events numbered by the finish's own UPDATE. A pending start is only its RUNNING
        // event: the run goes from STARTING to its end in this one transaction, so no reader can
        // tell it from a separate UPDATE to RUNNING (and the status changes once, not twice).
        const progress = input.progress ?? null;
        if (progress?.attempts.some((attempt) => attempt.runId !== lease.runId)) return false;
        const progressEvents = progress === null ? [] : attemptEvents(progress.attempts);
        if (progress !== null && progress.startRunAt !== null) {
          const held = one(`SELECT status FROM runs WHERE ${HELD}`, lease.runId, lease.workerId, lease.claimToken);
          if (!held) return false;
          if (held.status === RunStatus.STARTING) progressEvents.unshift({ event: runStatusEvent(RunStatus.RUNNING, progress.startRunAt), at: progress.startRunAt });
        }
        const done = one(
          `UPDATE runs SET status = ?, output = ?, error = ?, updated_at = ?, completed_at = ?,
             lease_owner = NULL, claim_token = NULL, lease_expires_at = NULL, event_seq = event_seq + ?
           WHERE ${HELD} RETURNING ${ENDED_RUN_COLUMNS}, event_seq`,
          input.status, toJson(input.output), toJson(input.error), input.now, input.now, progressEvents.length + 1, lease.runId, lease.workerId, lease.claimToken,
        );
        if (!done) return false;
        for (const attempt of mergedAttempts(progress?.attempts ?? [])) writeAttemptSync(attempt);
        const changes = new RunChanges();
        changes.end(done);
        recordRunDeliveriesSync(deps, runRef(done), runWebhookEvent(input.status)!, input.now);
        closeRunWaitpointsSqlite(deps, lease.runId, input.error?.code, input.now);
        // The last checkpoints' events, then the end's (an abort's cut-short steps before its status).
        const endEvents = runEndEventsSync(deps, lease.runId, runStatusEvent(input.status, input.now, input.error), input.error?.code, input.now);
        let lastSeq = Number(done.event_seq);
        if (endEvents.length > 1) lastSeq = Number(one('UPDATE runs SET event_seq = event_seq + ? WHERE id = ? RETURNING event_seq', endEvents.length - 1, lease.runId)!.event_seq);
        insertRunEventsSqlite(deps, lease.runId, lastSeq, [...progressEvents, ...endEvents.map((event) => ({ event, at: input.now }))]);
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

/** The events of saved attempts, each at its own time, in order. */
function attemptEvents(attempts: readonly StepAttempt[]): { event: NewRunEvent; at: number }[] {
  const events: { event: NewRunEvent; at: number }[] = [];
  for (const attempt of attempts) {
    const at = stepEventTime(attempt);
    for (const event of stepAttemptEvents(attempt, at)) events.push({ event, at });
  }
  return events;
}

/**
 * The rows a list of attempts leaves, one per (step, attempt): a later save of the same attempt
 * (its RUNNING, then its end, merged into one write) is what the upsert would leave of both — the
 * later one's fields with the first one's `started_at` and type, which the upsert keeps.
 */
export function mergedAttempts(attempts: readonly StepAttempt[]): StepAttempt[] {
  if (attempts.length < 2) return [...attempts];
  const byKey = new Map<string, StepAttempt>();
  for (const attempt of attempts) {
    const key = `${attempt.stepId}\u0000${attempt.attempt}`;
    const earlier = byKey.get(key);
    byKey.set(key, earlier ? { ...attempt, startedAt: earlier.startedAt, stepType: earlier.stepType } : attempt);
  }
  return [...byKey.values()];
}
