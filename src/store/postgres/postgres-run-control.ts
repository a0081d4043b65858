import type pg from 'pg';
import { RunErrorCode, RunStatus } from '../../core/states.js';
import { runWebhookEvent } from '../../core/webhook-events.js';
import type { AbortRunResult, RunControlStore, RunSelection } from '../run-control-store.js';
import { ABORTED_ATTEMPT_ERROR, abortedAttemptEvents, type NewRunEvent, runStatusEvent } from '../run-events.js';
import { ENDED_RUN_COLUMNS, RunChanges } from '../run-endings.js';
import type { CreateRunResult, NewRun } from '../run-store.js';
import { type Row, toJson, toRun } from '../rows.js';
import type { PostgresDeps } from './postgres-deps.js';
import { appendRunEventsPg } from './postgres-events.js';
import { runDeliveriesCte } from './postgres-webhooks.js';
import { closeRunWaitpointsPg } from './postgres-waitpoints.js';
import { RUNS_QUEUED_CHANNEL } from './queued-listener.js';

type Touched = RunChanges;
const ACTIVE_OR_QUEUED = `('QUEUED', 'STARTING', 'RUNNING')`;
const abortedError = (by: string) => ({ code: RunErrorCode.ABORTED, message: `aborted by ${by}` });
const rowsOf = async (client: pg.PoolClient, sql: string, params: unknown[]): Promise<Row[]> => (await client.query(sql, params)).rows as Row[];

/** An active run no worker may write any more: FAILED/ABORTED, its open attempts closed, its children aborted. */
async function endAbortedPg(client: pg.PoolClient, runId: string, by: string, now: number, touched: Touched): Promise<boolean> {
  const error = abortedError(by);
  const [done] = await rowsOf(client,
    `WITH done AS (UPDATE runs SET status = 'FAILED', output = NULL, error = $1, updated_at = $2, completed_at = $2,
       lease_owner = NULL, claim_token = NULL, lease_expires_at = NULL, event_seq = event_seq + 1
       WHERE id = $3 AND status IN ('STARTING', 'RUNNING') RETURNING ${ENDED_RUN_COLUMNS}, event_seq),
     ${runDeliveriesCte('$4', '$2')}
     SELECT ${ENDED_RUN_COLUMNS}, event_seq FROM done`,
    [toJson(error), now, runId, runWebhookEvent(RunStatus.FAILED)]);
  if (!done) return false;
  await closeRunWaitpointsPg(client, runId, RunErrorCode.ABORTED, now);
  await appendRunEndEventsPg(client, runId, runStatusEvent(RunStatus.FAILED, now, error), Number(done.event_seq), RunErrorCode.ABORTED, now);
  touched.end(done);
  await afterRunFailedPg(client, runId, now, touched);
  return true;
}

/**
 * What a run that just failed owes (SPEC §11), in the transaction that failed it: its
 * active child runs are aborted (its own open attempts are closed with its end events).
 */
export async function afterRunFailedPg(client: pg.PoolClient, runId: string, now: number, touched: Touched = new RunChanges()): Promise<Touched> {
  for (const child of await rowsOf(client, `SELECT id FROM runs WHERE parent_run_id = $1 AND status IN ${ACTIVE_OR_QUEUED}`, [runId])) {
    await abortOnePg(client, String(child.id), `parent run ${runId}`, now, touched);
  }
  return touched;
}

/**
 * Appends a finished run's terminal `run.status` (its seq reserved by the finishing UPDATE as
 * `reservedSeq`), preceded, for an aborted run, by a `step.failed` for each attempt the abort
 * cut short (closed here): a stream closes at the terminal status, so they come first.
 */
export async function appendRunEndEventsPg(client: pg.PoolClient, runId: string, status: NewRunEvent, reservedSeq: number, code: string | undefined, now: number): Promise<void> {
  const cutShort = code === RunErrorCode.ABORTED ? await closeOpenAttemptsPg(client, runId, now) : [];
  let lastSeq = reservedSeq;
  if (cutShort.length > 0) {
    const [bumped] = await rowsOf(client, 'UPDATE runs SET event_seq = event_seq + $1 WHERE id = $2 RETURNING event_seq', [cutShort.length, runId]);
    lastSeq = Number(bumped!.event_seq);
  }
  await appendRunEventsPg(client, runId, [...cutShort, status], now, { bumpedTo: lastSeq });
}

/** Closes an aborted run's attempts still RUNNING or WAITING as FAILED/ABORTED; their events. */
async function closeOpenAttemptsPg(client: pg.PoolClient, runId: string, now: number): Promise<NewRunEvent[]> {
  const closed = await rowsOf(client,
    `UPDATE step_attempts SET status = 'FAILED', error = $1, finished_at = $2, wake_at = NULL
     WHERE run_id = $3 AND status IN ('RUNNING', 'WAITING') RETURNING step_id, attempt`,
    [toJson(ABORTED_ATTEMPT_ERROR), now, runId]);
  return abortedAttemptEvents(closed, now);
}

async function abortOnePg(client: pg.PoolClient, runId: string, by: string, now: number, touched: Touched): Promise<AbortRunResult['kind'] | 'gone'> {
  // The row lock orders this against a claim and the executor's writes.
  const [locked] = await rowsOf(client, `SELECT status, lease_owner FROM runs WHERE id = $1 FOR NO KEY UPDATE`, [runId]);
  if (!locked) return 'gone';
  if (locked.status === RunStatus.QUEUED) {
    const [canceled] = await rowsOf(client,
      `WITH done AS (UPDATE runs SET status = 'CANCELED', cancel_reason = 'aborted', updated_at = $1, completed_at = $1, event_seq = event_seq + 1
         WHERE id = $2 AND status = 'QUEUED' RETURNING ${ENDED_RUN_COLUMNS}, event_seq),
       ${runDeliveriesCte('$3', '$1')}
       SELECT ${ENDED_RUN_COLUMNS}, event_seq FROM done`,
      [now, runId, 'run.canceled']);
    if (!canceled) return 'gone';
    await appendRunEventsPg(client, runId, [runStatusEvent(RunStatus.CANCELED, now)], now, { bumpedTo: Number(canceled.event_seq) });
    touched.end(canceled);
    return 'canceled';
  }
  if (locked.status !== RunStatus.STARTING && locked.status !== RunStatus.RUNNING) return 'gone';
  // Waiting (released, no worker holds it): nothing executes it, so it ends now.
  if (locked.lease_owner === null) return (await endAbortedPg(client, runId, by, now, touched)) ? 'aborted' : 'gone';
  await client.query(
    `UPDATE runs SET abort_requested_at = coalesce(abort_requested_at, $1), abort_requested_by = coalesce(abort_requested_by, $2) WHERE id = $3`,
    [now, by, runId]);
  for (const child of await rowsOf(client, `SELECT id FROM runs WHERE parent_run_id = $1 AND status IN ${ACTIVE_OR_QUEUED}`, [runId])) {
    await abortOnePg(client, String(child.id), by, now, touched);
  }
  return 'abort_requested';
}

/** Run control, PostgreSQL dialect. */
export function createPostgresRunControl(
  deps: PostgresDeps & { createRunIn: (client: pg.PoolClient, input: NewRun) => Promise<CreateRunResult> },
): RunControlStore {
  const { query, one, transaction } = deps;
  const announce = (changes: Touched) => {
    for (const id of changes.touched) deps.announceRunEvents(id);
    deps.announceRunsEnded(changes.ended);
  };

  return {
    async abortRun(input) {
      const touched = new RunChanges();
      const kind = await transaction(async (client) => {
        const [found] = await rowsOf(client, 'SELECT workspace_id FROM runs WHERE id = $1', [input.runId]);
        if (!found || Number(found.workspace_id) !== input.workspaceId) return 'not_found' as const;
        return abortOnePg(client, input.runId, input.by, input.now, touched);
      });
      announce(touched);
      if (kind === 'not_found') return { kind };
      const current = toRun((await one('SELECT * FROM runs WHERE id = $1', [input.runId]))!);
      return kind === 'gone' ? { kind: 'not_abortable', run: current } : { kind, run: current };
    },

    async abortRequestOf(runId) {
      const row = await one('SELECT abort_requested_by FROM runs WHERE id = $1 AND abort_requested_at IS NOT NULL', [runId]);
      return row ? String(row.abort_requested_by) : null;
    },

    async endOverdueAborts(now, graceMs) {
      const touched = new RunChanges();
      const ended = await transaction(async (client) => {
        const overdue = await rowsOf(client,
          `SELECT id, abort_requested_by FROM runs WHERE abort_requested_at <= $1 AND status IN ('STARTING', 'RUNNING')
           LIMIT 100 FOR NO KEY UPDATE SKIP LOCKED`, [now - graceMs]);
        let count = 0;
        for (const row of overdue) if (await endAbortedPg(client, String(row.id), String(row.abort_requested_by), now, touched)) count += 1;
        return count;
      });
      announce(touched);
      return ended;
    },

    async createReplayRun(input) {
      const created = await transaction(async (client) => {
        const result = await deps.createRunIn(client, input);
        if (result.kind !== 'created') return result;
        await client.query('UPDATE runs SET run_trigger = $1, workflow_version = $2 WHERE id = $3', [JSON.stringify(input.trigger), input.workflowVersion, result.run.id]);
        await client.query(
          `INSERT INTO step_attempts (run_id, step_id, attempt, step_type, status, input, output, error, started_at, finished_at, wake_at, reused_from)
           SELECT $1, step_id, attempt, step_type, status, input, output, error, started_at, finished_at, wake_at, run_id
           FROM step_attempts WHERE run_id = $2 AND step_id = ANY($3::text[])`,
          [result.run.id, input.sourceRunId, [...input.reuseStepIds]]);
        const [row] = await rowsOf(client, 'SELECT * FROM runs WHERE id = $1', [result.run.id]);
        return { kind: 'created' as const, run: toRun(row!) };
      });
      if (created.kind === 'created') {
        deps.notifyQueued();
        deps.announceRunEvents(created.run.id);
        await query('SELECT pg_notify($1, $2)', [RUNS_QUEUED_CHANNEL, '']).catch(() => {});
      }
      return created;
    },

    async reusedStepsOf(runId) {
      const rows = await query('SELECT DISTINCT step_id, reused_from FROM step_attempts WHERE run_id = $1 AND reused_from IS NOT NULL', [runId]);
      return new Map(rows.map((row) => [String(row.step_id), String(row.reused_from)]));
    },

    async selectRunIds(workspaceId, filter, limit) {
      const { where, params } = selectionSql(workspaceId, filter);
      return (await query(`SELECT id FROM runs WHERE ${where} ORDER BY created_at, id LIMIT $${params.length + 1}`, [...params, limit])).map((row) => String(row.id));
    },

    async cancelQueuedRuns(workspaceId, runIds, now) {
      const touched = new RunChanges();
      const canceled = await transaction(async (client) => {
        const ids: string[] = [];
        for (const runId of runIds) {
          const [row] = await rowsOf(client,
            `WITH done AS (UPDATE runs SET status = 'CANCELED', updated_at = $1, completed_at = $1, event_seq = event_seq + 1
               WHERE id = $2 AND workspace_id = $3 AND status = 'QUEUED' RETURNING ${ENDED_RUN_COLUMNS}, event_seq),
             ${runDeliveriesCte('$4', '$1')}
             SELECT ${ENDED_RUN_COLUMNS}, event_seq FROM done`,
            [now, runId, workspaceId, 'run.canceled']);
          if (!row) continue;
          await appendRunEventsPg(client, runId, [runStatusEvent(RunStatus.CANCELED, now)], now, { bumpedTo: Number(row.event_seq) });
          touched.end(row);
          ids.push(runId);
        }
        return ids;
      });
      announce(touched);
      return canceled;
    },
  };
}

function selectionSql(workspaceId: number, filter: RunSelection): { where: string; params: unknown[] } {
  const clauses = ['workspace_id = $1'];
  const params: unknown[] = [workspaceId];
  const add = (sql: (p: string) => string, value: unknown) => { params.push(value); clauses.push(sql(`$${params.length}`)); };
  if (filter.workflowId !== undefined) add((p) => `workflow_id = ${p}`, filter.workflowId);
  if (filter.statuses !== undefined) add((p) => `status = ANY(${p}::text[])`, [...filter.statuses]);
  if (filter.createdAfter !== undefined) add((p) => `created_at >= ${p}`, filter.createdAfter);
  if (filter.createdBefore !== undefined) add((p) => `created_at < ${p}`, filter.createdBefore);
  if (filter.runIds !== undefined) add((p) => `id = ANY(${p}::text[])`, [...filter.runIds]);
  return { where: clauses.join(' AND '), params };
}
