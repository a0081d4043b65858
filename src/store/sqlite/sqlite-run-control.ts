import { RunErrorCode, RunStatus } from '../../core/states.js';
import { runWebhookEvent } from '../../core/webhook-events.js';
import type { AbortRunResult, NewReplayRun, RunControlStore, RunSelection } from '../run-control-store.js';
import { ABORTED_ATTEMPT_ERROR, abortedAttemptEvents, type NewRunEvent, runStatusEvent } from '../run-events.js';
import { ENDED_RUN_COLUMNS, RunChanges } from '../run-endings.js';
import type { CreateRunResult, NewRun } from '../run-store.js';
import { toJson, toRun } from '../rows.js';
import { runRef } from '../webhook-rows.js';
import type { SqliteDeps } from './sqlite-deps.js';
import { appendRunEventsSqlite } from './sqlite-events.js';
import { recordRunDeliveriesSync } from './sqlite-webhooks.js';
import { closeRunWaitpointsSqlite } from './sqlite-waitpoints.js';

type Deps = Pick<SqliteDeps, 'one' | 'all' | 'run'>;
type Touched = RunChanges;

const abortedError = (by: string) => ({ code: RunErrorCode.ABORTED, message: `aborted by ${by}` });

/** An active run no worker may write any more: FAILED/ABORTED, its open attempts closed, its children aborted. */
function endAbortedSync(deps: Deps, runId: string, by: string, now: number, touched: Touched): boolean {
  const error = abortedError(by);
  const done = deps.one(
    `UPDATE runs SET status = 'FAILED', output = NULL, error = ?, updated_at = ?, completed_at = ?,
       lease_owner = NULL, claim_token = NULL, lease_expires_at = NULL
     WHERE id = ? AND status IN ('STARTING', 'RUNNING') RETURNING ${ENDED_RUN_COLUMNS}`,
    toJson(error), now, now, runId,
  );
  if (!done) return false;
  recordRunDeliveriesSync(deps, runRef(done), runWebhookEvent(RunStatus.FAILED)!, now);
  closeRunWaitpointsSqlite(deps, runId, RunErrorCode.ABORTED, now);
  appendRunEndEventsSync(deps, runId, runStatusEvent(RunStatus.FAILED, now, error), RunErrorCode.ABORTED, now);
  touched.end(done);
  afterRunFailedSync(deps, runId, now, touched);
  return true;
}

/**
 * Appends a finished run's terminal `run.status`, preceded, for an aborted run, by a
 * `step.failed` for each attempt the abort cut short (closed here): a stream closes at the
 * terminal status, so they come first.
 */
export function appendRunEndEventsSync(deps: Deps, runId: string, status: NewRunEvent, code: string | undefined, now: number): void {
  appendRunEventsSqlite(deps, runId, runEndEventsSync(deps, runId, status, code, now), now);
}

/** The events appendRunEndEventsSync appends (closing an aborted run's open attempts), for a caller that appends them with others. */
export function runEndEventsSync(deps: Deps, runId: string, status: NewRunEvent, code: string | undefined, now: number): NewRunEvent[] {
  const cutShort = code === RunErrorCode.ABORTED ? closeOpenAttemptsSync(deps, runId, now) : [];
  return [...cutShort, status];
}

/** Closes an aborted run's attempts still RUNNING or WAITING as FAILED/ABORTED; their events. */
function closeOpenAttemptsSync(deps: Deps, runId: string, now: number): NewRunEvent[] {
  const closed = deps.all(
    `UPDATE step_attempts SET status = 'FAILED', error = ?, finished_at = ?, wake_at = NULL
     WHERE run_id = ? AND status IN ('RUNNING', 'WAITING') RETURNING step_id, attempt`,
    toJson(ABORTED_ATTEMPT_ERROR), now, runId,
  );
  return abortedAttemptEvents(closed, now);
}

/**
 * What a run that just failed owes (SPEC §11), in the transaction that failed it: its
 * active child runs are aborted (its own open attempts are closed with its end events).
 */
export function afterRunFailedSync(deps: Deps, runId: string, now: number, touched: Touched = new RunChanges()): Touched {
  for (const child of deps.all(`SELECT id FROM runs WHERE parent_run_id = ? AND status IN ('QUEUED', 'STARTING', 'RUNNING')`, runId)) {
    abortOneSync(deps, String(child.id), `parent run ${runId}`, now, touched);
  }
  return touched;
}

function abortOneSync(deps: Deps, runId: string, by: string, now: number, touched: Touched): AbortRunResult['kind'] | 'gone' {
  const canceled = deps.one(
    `UPDATE runs SET status = 'CANCELED', cancel_reason = 'aborted', updated_at = ?, completed_at = ?
     WHERE id = ? AND status = 'QUEUED' RETURNING ${ENDED_RUN_COLUMNS}`,
    now, now, runId,
  );
  if (canceled) {
    recordRunDeliveriesSync(deps, runRef(canceled), 'run.canceled', now);
    appendRunEventsSqlite(deps, runId, [runStatusEvent(RunStatus.CANCELED, now)], now);
    touched.end(canceled);
    return 'canceled';
  }
  const active = deps.one(`SELECT lease_owner FROM runs WHERE id = ? AND status IN ('STARTING', 'RUNNING')`, runId);
  if (!active) return 'gone';
  // Waiting (released, no worker holds it): nothing executes it, so it ends now.
  if (active.lease_owner === null) return endAbortedSync(deps, runId, by, now, touched) ? 'aborted' : 'gone';
  deps.run(
    `UPDATE runs SET abort_requested_at = coalesce(abort_requested_at, ?), abort_requested_by = coalesce(abort_requested_by, ?) WHERE id = ?`,
    now, by, runId,
  );
  for (const child of deps.all(`SELECT id FROM runs WHERE parent_run_id = ? AND status IN ('QUEUED', 'STARTING', 'RUNNING')`, runId)) {
    abortOneSync(deps, String(child.id), by, now, touched);
  }
  return 'abort_requested';
}

/** Run control, SQLite dialect; every write through the store's one writer. */
export function createSqliteRunControl(deps: SqliteDeps & { createRunInTransaction: (input: NewRun) => CreateRunResult }): RunControlStore {
  const { db, one, all, run, writes } = deps;
  const announce = (changes: Touched) => {
    for (const id of changes.touched) deps.announceRunEvents(id);
    deps.announceRunsEnded(changes.ended);
  };

  const replayTx = db.transaction((input: NewReplayRun): CreateRunResult => {
    const created = deps.createRunInTransaction(input);
    if (created.kind !== 'created') return created;
    run('UPDATE runs SET run_trigger = ?, workflow_version = ? WHERE id = ?', JSON.stringify(input.trigger), input.workflowVersion, created.run.id);
    run(
      `INSERT INTO step_attempts (run_id, step_id, attempt, step_type, status, input, output, error, started_at, finished_at, wake_at, reused_from)
       SELECT ?, step_id, attempt, step_type, status, input, output, error, started_at, finished_at, wake_at, run_id
       FROM step_attempts WHERE run_id = ? AND step_id IN (SELECT value FROM json_each(?))`,
      created.run.id, input.sourceRunId, JSON.stringify(input.reuseStepIds),
    );
    return { kind: 'created', run: toRun(one('SELECT * FROM runs WHERE id = ?', created.run.id)!) };
  });

  return {
    async abortRun(input) {
      const touched = new RunChanges();
      const kind = await writes.submit(() => {
        const found = one('SELECT workspace_id FROM runs WHERE id = ?', input.runId);
        if (!found || Number(found.workspace_id) !== input.workspaceId) return 'not_found' as const;
        return abortOneSync(deps, input.runId, input.by, input.now, touched);
      });
      announce(touched);
      if (kind === 'not_found') return { kind };
      const current = toRun(one('SELECT * FROM runs WHERE id = ?', input.runId)!);
      return kind === 'gone' ? { kind: 'not_abortable', run: current } : { kind, run: current };
    },

    async abortRequestOf(runId) {
      const row = one('SELECT abort_requested_by FROM runs WHERE id = ? AND abort_requested_at IS NOT NULL', runId);
      return row ? String(row.abort_requested_by) : null;
    },

    async endOverdueAborts(now, graceMs) {
      const overdue = all(
        `SELECT id, abort_requested_by FROM runs WHERE abort_requested_at <= ? AND status IN ('STARTING', 'RUNNING') LIMIT 100`, now - graceMs,
      );
      if (overdue.length === 0) return 0;
      const touched = new RunChanges();
      const ended = await writes.submit(() => overdue.filter((row) => endAbortedSync(deps, String(row.id), String(row.abort_requested_by), now, touched)).length);
      announce(touched);
      return ended;
    },

    async createReplayRun(input) {
      const created = await writes.submit(() => replayTx(input));
      if (created.kind === 'created') deps.notifyQueued();
      return created;
    },

    async reusedStepsOf(runId) {
      const rows = all('SELECT DISTINCT step_id, reused_from FROM step_attempts WHERE run_id = ? AND reused_from IS NOT NULL', runId);
      return new Map(rows.map((row) => [String(row.step_id), String(row.reused_from)]));
    },

    async selectRunIds(workspaceId, filter, limit) {
      const { where, params } = selectionSql(workspaceId, filter);
      return all(`SELECT id FROM runs WHERE ${where} ORDER BY created_at, id LIMIT ?`, ...params, limit).map((row) => String(row.id));
    },

    async cancelQueuedRuns(workspaceId, runIds, now) {
      const touched = new RunChanges();
      const canceled = await writes.submit(() => runIds.filter((runId) => {
        const row = one(
          `UPDATE runs SET status = 'CANCELED', updated_at = ?, completed_at = ? WHERE id = ? AND workspace_id = ? AND status = 'QUEUED'
           RETURNING ${ENDED_RUN_COLUMNS}`,
          now, now, runId, workspaceId,
        );
        if (!row) return false;
        recordRunDeliveriesSync(deps, runRef(row), 'run.canceled', now);
        appendRunEventsSqlite(deps, runId, [runStatusEvent(RunStatus.CANCELED, now)], now);
        touched.end(row);
        return true;
      }));
      announce(touched);
      return canceled;
    },
  };
}

function selectionSql(workspaceId: number, filter: RunSelection): { where: string; params: unknown[] } {
  const clauses = ['workspace_id = ?'];
  const params: unknown[] = [workspaceId];
  if (filter.workflowId !== undefined) { clauses.push('workflow_id = ?'); params.push(filter.workflowId); }
  if (filter.statuses !== undefined) { clauses.push('status IN (SELECT value FROM json_each(?))'); params.push(JSON.stringify(filter.statuses)); }
  if (filter.createdAfter !== undefined) { clauses.push('created_at >= ?'); params.push(filter.createdAfter); }
  if (filter.createdBefore !== undefined) { clauses.push('created_at < ?'); params.push(filter.createdBefore); }
  if (filter.runIds !== undefined) { clauses.push('id IN (SELECT value FROM json_each(?))'); params.push(JSON.stringify(filter.runIds)); }
  return { where: clauses.join(' AND '), params };
}
