import { toJson, toRun, toWorkspace } from '../rows.js';
import { batchChunks, isPlainRootChunk, queuedRunOf } from '../batch-chunk.js';
import { createRunChunkSync } from './sqlite-batch-runs.js';
import { childPlacement, childRunLimitExceeded, concurrentLimitExceeded, dailyLimitExceeded, replayDeletedOrConflict, replayOrConflict } from '../run-rules.js';
import { deletedRunByKeySync } from './sqlite-retention.js';
import type { CancelRunResult, CreateRunResult, NewRun, RunStore } from '../run-store.js';
import type { Run } from '../types.js';
import type { SqliteDeps } from './sqlite-deps.js';
import { RunStatus } from '../../core/states.js';
import { runStatusEvent } from '../run-events.js';
import { toEndedRun } from '../run-endings.js';
import { appendRunEventsSqlite } from './sqlite-events.js';
import { runRef } from '../webhook-rows.js';
import { recordRunDeliveriesSync } from './sqlite-webhooks.js';
import { flowColumnsOf } from '../flow-rows.js';
import { noteQueuedKeySqlite } from './sqlite-flow.js';
import { SQLITE_ACTIVE_RUNS, SQLITE_RUNS_TODAY } from './sqlite-limit-counters.js';

/** At most this many runs are judged and inserted by one statement of a batch (SPEC §15's maximum batch). */
const SQLITE_BATCH_CHUNK_SIZE = 1000;

/**
 * Runs as the API sees them (create, read, list, cancel), SQLite dialect; the assembly adds `onRunsQueued`.
 * `createRunInTransaction` is createRun's transaction for other topics' transactions (a schedule fire).
 */
export function createSqliteRuns(deps: SqliteDeps): Omit<RunStore, 'onRunsQueued' | 'onRunsEnded'> & { createRunInTransaction: (input: NewRun) => CreateRunResult } {
  const { db, one, all, run, writes } = deps;

  function getRunById(runId: string): Run | null {
    const row = one('SELECT * FROM runs WHERE id = ?', runId);
    return row ? toRun(row) : null;
  }

  const createRunTx = db.transaction((input: NewRun): CreateRunResult => {
    if (input.idempotencyKey !== null) {
      const existing = one('SELECT * FROM runs WHERE workspace_id = ? AND idempotency_key = ?', input.workspaceId, input.idempotencyKey);
      if (existing) return replayOrConflict(toRun(existing), input.workflowId);
      const deleted = deletedRunByKeySync(deps, input.workspaceId, input.idempotencyKey, input.now);
      if (deleted) return replayDeletedOrConflict(deleted, input.workflowId);
    }
    if (!input.ignoreLimits) {
      const workspace = toWorkspace(one('SELECT * FROM workspaces WHERE id = ?', input.workspaceId)!);
      if (workspace.dailyRunLimit !== null) {
        const today = Number(one(SQLITE_RUNS_TODAY, input.workspaceId, input.dayStart)!.n);
        const exceeded = dailyLimitExceeded(workspace, today);
        if (exceeded) return exceeded;
      }
      if (workspace.concurrentRunLimit !== null) {
        const active = Number(one(SQLITE_ACTIVE_RUNS, input.workspaceId)!.n);
        const exceeded = concurrentLimitExceeded(workspace, active);
        if (exceeded) return exceeded;
      }
    }
    let placement: { rootRunId: string | null; depth: number } = { rootRunId: null, depth: 0 };
    if (input.parentRunId !== null) {
      const parent = one('SELECT id, root_run_id, depth FROM runs WHERE id = ?', input.parentRunId);
      if (parent) placement = childPlacement({ id: parent.id as string, rootRunId: (parent.root_run_id as string | null) ?? null, depth: Number(parent.depth) });
      if (placement.rootRunId !== null && input.childRunLimits) {
        const tree = Number(one('SELECT count(*) AS n FROM runs WHERE root_run_id = ?', placement.rootRunId)!.n);
        const exceeded = childRunLimitExceeded(input.childRunLimits, placement.depth, tree);
        if (exceeded) return exceeded;
      }
    }
    const flow = flowColumnsOf(input.flow, input.now);
    // Inserted with its QUEUED event as seq 1, and answered from what was inserted (no read back, no seq bump: issue 10).
    run(
      `INSERT INTO runs (id, workspace_id, workflow_id, status, inputs, metadata, idempotency_key, parent_run_id, root_run_id, depth, created_at, updated_at, event_seq, run_trigger,
         trace_id, trace_parent_span_id, trace_span_id, trace_sampled, priority, not_before, queue_at, expires_at, concurrency_key, concurrency_limit)
       VALUES (?, ?, ?, 'QUEUED', ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      input.id, input.workspaceId, input.workflowId, JSON.stringify(input.inputs), toJson(input.metadata),
      input.idempotencyKey, input.parentRunId, placement.rootRunId, placement.depth, input.now, input.now, toJson(input.recordedTrigger),
      input.trace?.traceId ?? null, input.trace?.parentSpanId ?? null, input.trace?.spanId ?? null, input.trace ? Number(input.trace.sampled) : null,
      flow.priority, flow.notBefore, flow.queueAt, flow.expiresAt, flow.concurrencyKey, flow.concurrencyLimit,
    );
    noteQueuedKeySqlite(deps, input.workspaceId, input.workflowId, flow);
    run(
      `INSERT INTO run_events (run_id, seq, type, step_id, data, created_at) VALUES (?, 1, 'run.status', NULL, ?, ?)`,
      input.id, JSON.stringify(runStatusEvent(RunStatus.QUEUED, input.now).data), input.now,
    );
    return { kind: 'created', run: queuedRunOf(input, flow, placement) };
  });

  /** createRun's write in the next group commit, without the wake-ups after it. */
  function createRunSubmitted(input: NewRun): Promise<CreateRunResult> {
    return writes.submit((): CreateRunResult => {
      try {
        return createRunTx(input);
      } catch (error) {
        // Another process inserted the same key between our check and insert: replay it.
        if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE' || input.idempotencyKey === null) throw error;
        return createRunTx(input);
      }
    });
  }

  async function createRun(input: NewRun): Promise<CreateRunResult> {
    const result = await createRunSubmitted(input);
    if (result.kind === 'created') {
      deps.notifyQueued();
      deps.announceRunEvents(result.run.id);
    }
    return result;
  }

  /**
   * Root runs of one workspace and day go in chunks (sqlite-batch-runs.ts: one statement for
   * the rows, one for their events); others item by item. Either way everything submitted in
   * this event-loop turn shares one group commit (a savepoint each), judged in order: a later
   * chunk or item sees the runs and keys of earlier ones.
   */
  async function createRuns(inputs: readonly NewRun[]): Promise<CreateRunResult[]> {
    const chunks = batchChunks(inputs, SQLITE_BATCH_CHUNK_SIZE);
    const settled = await Promise.all(chunks.map((chunk) => isPlainRootChunk(chunk)
      ? writes.submit(() => createRunChunkSync(deps, chunk))
      : Promise.all(chunk.map(createRunSubmitted))));
    const results = settled.flat();
    if (results.some((result) => result.kind === 'created')) {
      deps.notifyQueued();
      for (const result of results) if (result.kind === 'created') deps.announceRunEvents(result.run.id);
    }
    return results;
  }

  return {
    createRunInTransaction: createRunTx,
    createRun,

    createRuns,

    async getRun(workspaceId, runId) {
      const found = getRunById(runId);
      return found && found.workspaceId === workspaceId ? found : null;
    },

    async findRunByIdempotencyKey(workspaceId, key) {
      const row = one('SELECT * FROM runs WHERE workspace_id = ? AND idempotency_key = ?', workspaceId, key);
      return row ? toRun(row) : null;
    },

    async listRuns(workspaceId, query) {
      const where = ['workspace_id = ?'];
      const params: unknown[] = [workspaceId];
      if (query.workflowId) {
        where.push('workflow_id = ?');
        params.push(query.workflowId);
      }
      if (query.status) {
        where.push('status = ?');
        params.push(query.status);
      }
      const clause = where.join(' AND ');
      const total = Number(one(`SELECT count(*) AS n FROM runs WHERE ${clause}`, ...params)!.n);
      const items = all(
        `SELECT * FROM runs WHERE ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
        ...params, query.limit, (query.page - 1) * query.limit,
      ).map(toRun);
      return { items, total };
    },

    async cancelQueuedRun(workspaceId, runId, now): Promise<CancelRunResult> {
      // The cancel and the webhook deliveries it owes commit together (the outbox).
      const row = await writes.submit(() => {
        const canceled = one(
          `UPDATE runs SET status = 'CANCELED', updated_at = ?, completed_at = ?
           WHERE id = ? AND workspace_id = ? AND status = 'QUEUED' RETURNING *`,
          now, now, runId, workspaceId,
        );
        if (canceled) {
          recordRunDeliveriesSync(deps, runRef(canceled), 'run.canceled', now);
          appendRunEventsSqlite(deps, runId, [runStatusEvent(RunStatus.CANCELED, now)], now);
        }
        return canceled;
      });
      if (row) {
        deps.announceRunEvents(runId);
        deps.announceRunsEnded([toEndedRun(row)]);
        return { kind: 'canceled', run: toRun(row) };
      }
      const found = getRunById(runId);
      if (!found || found.workspaceId !== workspaceId) return { kind: 'not_found' };
      return { kind: 'not_cancelable', run: found };
    },
  };
}
