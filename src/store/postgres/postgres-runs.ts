import type pg from 'pg';
import { type Row, toRun, toWorkspace } from '../rows.js';
import { childPlacement, childRunLimitExceeded, concurrentLimitExceeded, dailyLimitExceeded, replayDeletedOrConflict, replayOrConflict } from '../run-rules.js';
import { deletedRunsByKeysIn } from './postgres-retention.js';
import type { CancelRunResult, CreateRunResult, NewRun, RunStore } from '../run-store.js';
import type { Run, Workspace } from '../types.js';
import type { PostgresDeps } from './postgres-deps.js';
import { RUNS_QUEUED_CHANNEL } from './queued-listener.js';
import { RunStatus } from '../../core/states.js';
import { runStatusEvent } from '../run-events.js';
import { toEndedRun } from '../run-endings.js';
import { appendRunEventsPg } from './postgres-events.js';
import { runDeliveriesCte } from './postgres-webhooks.js';
import { flowColumnsOf } from '../flow-rows.js';
import { noteQueuedKeysPg } from './postgres-flow.js';
import { PG_LIMIT_COUNTS } from './postgres-limit-counters.js';
import { createWorkspaceCreateGroups } from './postgres-create-groups.js';
import { createLimitedChunkInOneStatement } from './postgres-limited-chunk.js';
import { BATCH_CHUNK_SIZE, createRunChunkIn, type ChunkItemResult, type GuardedNewRun } from './postgres-batch-runs.js';
import { createThrottledNotify } from './throttled-notify.js';
import { batchChunks, isPlainRootChunk } from '../batch-chunk.js';
import { createInOneStatement, queuedEventData, runParams } from './postgres-one-statement-create.js';

/** The run's QUEUED event, written by the INSERT's statement (CTE `ins` is the inserted run). */
const QUEUED_EVENT_CTE = `ev AS (INSERT INTO run_events (run_id, seq, type, step_id, data, created_at)
         SELECT id, 1, 'run.status', NULL, $16::json, created_at FROM ins)`;
/** Thrown inside a chunk's transaction to roll it back (a key taken concurrently). */
class KeyTaken extends Error {}

/** The result of an item without a guard (it never answers `guard_failed`). */
function unguarded(result: ChunkItemResult): CreateRunResult {
  if (result.kind === 'guard_failed') throw new Error('an unguarded create answered guard_failed');
  return result;
}

/**
 * Runs as the API sees them (create, read, list, cancel), PostgreSQL dialect; the assembly adds `onRunsQueued`.
 * `createRunIn` is createRun inside another topic's transaction (a schedule fire).
 */
export function createPostgresRuns(deps: PostgresDeps): Omit<RunStore, 'onRunsQueued' | 'onRunsEnded'> & {
  createRunIn: (client: pg.PoolClient, input: NewRun) => Promise<CreateRunResult>;
} {
  const { query, one, transaction } = deps;

  // NOTIFY inside every create transaction serialized the creates' commits (PostgreSQL holds a
  // global lock on the notification queue while it commits a transaction that notified), so
  // concurrent creates waited for each other's WAL flush: 56 creates/s against 450 plain
  // INSERTs/s in bench/. The notification goes out after the commit instead, at most one per
  // NOTIFY_EVERY_MS: the first create after a quiet moment at once (an idle worker elsewhere
  // wakes without delay), the ones that follow within the window with one NOTIFY at its end.
  // Each NOTIFY is a transaction of its own with a WAL flush: one per create was a third of
  // the statements of a create once the create was one statement (issue 10).
  const notifier = createThrottledNotify(() => query('SELECT pg_notify($1, $2)', [RUNS_QUEUED_CHANNEL, '']));
  const notifyCreated = notifier.notify;

  /** Workspaces a plain create found limited: their creates go straight to the full transaction. */
  const limitedWorkspaces = new Set<number>();

  async function getRunById(runId: string): Promise<Run | null> {
    const row = await one('SELECT * FROM runs WHERE id = $1', [runId]);
    return row ? toRun(row) : null;
  }

  /** The whole of createRun, on one connection inside one transaction. */
  async function createRunIn(client: pg.PoolClient, input: NewRun): Promise<CreateRunResult> {
    const rows = async (sql: string, params: unknown[]): Promise<Row[]> => (await client.query(sql, params)).rows as Row[];
    const existingByKey = async (): Promise<CreateRunResult | null> => {
      const [existing] = await rows('SELECT * FROM runs WHERE workspace_id = $1 AND idempotency_key = $2', [input.workspaceId, input.idempotencyKey]);
      if (existing) return replayOrConflict(toRun(existing), input.workflowId);
      const deleted = (await deletedRunsByKeysIn(client, input.workspaceId, [input.idempotencyKey!], input.now)).get(input.idempotencyKey!);
      return deleted ? replayDeletedOrConflict(deleted, input.workflowId) : null;
    };

    // Limits hold across processes because every limited createRun of a workspace first
    // takes its row lock; NO KEY UPDATE does not block the foreign-key checks of inserts.
    let limited: Workspace | null = null;
    if (!input.ignoreLimits) {
      const [plain] = await rows('SELECT * FROM workspaces WHERE id = $1', [input.workspaceId]);
      if (plain && (plain.daily_run_limit !== null || plain.concurrent_run_limit !== null)) {
        limited = toWorkspace((await rows('SELECT * FROM workspaces WHERE id = $1 FOR NO KEY UPDATE', [input.workspaceId]))[0]!);
      }
    }
    if (input.idempotencyKey !== null) {
      const replay = await existingByKey();
      if (replay) return replay;
    }
    if (limited) {
      // Both counters in one statement, read after the lock (a statement that waited for the
      // lock would read them from its snapshot taken before the wait).
      const [counted] = await rows(PG_LIMIT_COUNTS, [input.workspaceId, input.dayStart]);
      const exceeded = dailyLimitExceeded(limited, Number(counted!.today)) ?? concurrentLimitExceeded(limited, Number(counted!.active));
      if (exceeded) return exceeded;
    }
    let placement: { rootRunId: string | null; depth: number } = { rootRunId: null, depth: 0 };
    if (input.parentRunId !== null) {
      const [parent] = await rows('SELECT id, root_run_id, depth FROM runs WHERE id = $1', [input.parentRunId]);
      if (parent) placement = childPlacement({ id: parent.id as string, rootRunId: (parent.root_run_id as string | null) ?? null, depth: Number(parent.depth) });
      if (placement.rootRunId !== null && input.childRunLimits) {
        // Children of one tree queue up on the root's row lock, so the tree's count cannot be overshot.
        await rows('SELECT 1 FROM runs WHERE id = $1 FOR NO KEY UPDATE', [placement.rootRunId]);
        const [tree] = await rows('SELECT count(*) AS n FROM runs WHERE root_run_id = $1', [placement.rootRunId]);
        const exceeded = childRunLimitExceeded(input.childRunLimits, placement.depth, Number(tree!.n));
        if (exceeded) return exceeded;
      }
    }
    // A concurrent request with the same key that got here first makes this insert wait for
    // it and then do nothing; the run it created is then replayed.
    const flow = flowColumnsOf(input.flow, input.now);
    const [inserted] = await rows(
      `WITH ins AS (
         INSERT INTO runs (id, workspace_id, workflow_id, status, inputs, metadata, idempotency_key, parent_run_id, root_run_id, depth, created_at, updated_at, event_seq, run_trigger,
           trace_id, trace_parent_span_id, trace_span_id, trace_sampled, priority, not_before, queue_at, expires_at, concurrency_key, concurrency_limit)
         VALUES ($1, $2, $3, 'QUEUED', $4, $5, $12, $13, $14, $15, $6, $6, 1, $7, $8, $9, $10, $11, $17, $18, $19, $20, $21, $22)
         ON CONFLICT (workspace_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING *),
       ${QUEUED_EVENT_CTE}
       SELECT * FROM ins`,
      [...runParams(input), input.idempotencyKey, input.parentRunId, placement.rootRunId, placement.depth, queuedEventData(input.now),
        flow.priority, flow.notBefore, flow.queueAt, flow.expiresAt, flow.concurrencyKey, flow.concurrencyLimit],
    );
    if (!inserted) return (await existingByKey())!;
    await noteQueuedKeysPg(client, [{ workspaceId: input.workspaceId, workflowId: input.workflowId, flow }]);
    return { kind: 'created', run: toRun(inserted) };
  }

  /** One transaction per chunk: a few statements for all its items, or item by item when that path does not apply. */
  async function createChunk(chunk: readonly GuardedNewRun[]): Promise<ChunkItemResult[]> {
    const oneByOne = async (client: pg.PoolClient) => {
      const results: ChunkItemResult[] = [];
      for (const input of chunk) results.push(input.guard ? await guardedAlone(client, input) : await createRunIn(client, input));
      return results;
    };
    if (!isPlainRootChunk(chunk)) return transaction(oneByOne);
    // The whole chunk under the limits, without keys: one statement (migration 024).
    const whole = await createLimitedChunkInOneStatement(query, chunk);
    if (whole) return whole;
    const outcome = await transaction(async (client) => {
      const written = await createRunChunkIn(client, chunk);
      // Rolls the chunk back: another request took one of its keys after we read them.
      if (written.kind === 'key_taken') throw new KeyTaken();
      return written;
    }).catch((error: unknown) => {
      if (error instanceof KeyTaken) return null;
      throw error;
    });
    return outcome ? outcome.results : transaction(oneByOne);
  }

  /** A guarded create (no key, a root run) as a chunk of its own, so its guard is checked where it is judged. */
  async function guardedAlone(client: pg.PoolClient, input: GuardedNewRun): Promise<ChunkItemResult> {
    const written = await createRunChunkIn(client, [input]);
    if (written.kind === 'key_taken') throw new Error('a create without an idempotency key lost a key race');
    return written.results[0]!;
  }

  const limitedCreates = createWorkspaceCreateGroups({
    createOne: async (input) => (await createLimitedChunkInOneStatement(query, [input]))?.[0]
      ?? transaction((client) => (input.guard ? guardedAlone(client, input) : createRunIn(client, input))),
    createChunk,
  });

  /** A root run without a key in a workspace not known to have limits: the one-statement create applies. */
  const oneStatementApplies = (input: NewRun) =>
    input.idempotencyKey === null && input.parentRunId === null && !input.ignoreLimits && !limitedWorkspaces.has(input.workspaceId);

  /** After the commit of a create: the workers of this and (NOTIFY) other processes, and this process's event readers. */
  function afterCreated(run: Run) {
    notifyCreated();
    deps.notifyQueued();
    // This process's readers only: a reader elsewhere cannot watch a run before its id is
    // answered, after this commit, and it reads the log from its start (the QUEUED event).
    deps.announceRunEventsLocally(run.id);
  }

  return {
    createRunIn,

    async createRun(input) {
      // A root run in a workspace without limits (the common create, flow options or not): one
      // statement, one round trip, its own commit. Anything else, or a workspace found limited
      // (remembered: limits are checked in SQL either way), takes the full transaction.
      const plain = oneStatementApplies(input);
      const fast = plain ? await createInOneStatement(query, input, null) : undefined;
      if (plain && !fast) limitedWorkspaces.add(input.workspaceId);
      const grouped = !plain && limitedWorkspaces.has(input.workspaceId) && isPlainRootChunk([input]);
      const result = fast ? { kind: 'created' as const, run: fast }
        : grouped ? unguarded(await limitedCreates.submit(input))
        : await transaction((client) => createRunIn(client, input));
      if (result.kind === 'created') afterCreated(result.run);
      return result;
    },

    async createRunIfCurrent(input, guard) {
      if (input.idempotencyKey !== null || input.parentRunId !== null || input.ignoreLimits) return { kind: 'not_created', checked: false };
      if (limitedWorkspaces.has(input.workspaceId)) {
        // A workspace with limits: the group commit's chunk re-checks the guard after its lock.
        const result = await limitedCreates.submit({ ...input, guard });
        if (result.kind === 'guard_failed') return { kind: 'not_created', checked: true };
        if (result.kind === 'created') afterCreated(result.run);
        return result;
      }
      // No row: a guard failed or the workspace has limits; the caller's createRun tells them apart.
      const run = await createInOneStatement(query, input, guard);
      if (!run) return { kind: 'not_created', checked: true };
      afterCreated(run);
      return { kind: 'created', run };
    },

    async createRuns(inputs) {
      const results: CreateRunResult[] = [];
      for (const chunk of batchChunks(inputs, BATCH_CHUNK_SIZE)) results.push(...(await createChunk(chunk)).map(unguarded));
      const created = results.filter((result) => result.kind === 'created');
      if (created.length > 0) {
        notifyCreated();
        deps.notifyQueued();
        for (const result of created) deps.announceRunEventsLocally(result.run.id);
      }
      return results;
    },

    async getRun(workspaceId, runId) {
      const found = await getRunById(runId);
      return found && found.workspaceId === workspaceId ? found : null;
    },

    async findRunByIdempotencyKey(workspaceId, key) {
      const row = await one('SELECT * FROM runs WHERE workspace_id = $1 AND idempotency_key = $2', [workspaceId, key]);
      return row ? toRun(row) : null;
    },

    async listRuns(workspaceId, q) {
      const where = ['workspace_id = $1'];
      const params: unknown[] = [workspaceId];
      if (q.workflowId) where.push(`workflow_id = $${params.push(q.workflowId)}`);
      if (q.status) where.push(`status = $${params.push(q.status)}`);
      const clause = where.join(' AND ');
      const total = Number((await one(`SELECT count(*) AS n FROM runs WHERE ${clause}`, params))!.n);
      const items = (
        await query(
          `SELECT * FROM runs WHERE ${clause} ORDER BY created_at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
          [...params, q.limit, (q.page - 1) * q.limit],
        )
      ).map(toRun);
      return { items, total };
    },

    async cancelQueuedRun(workspaceId, runId, now): Promise<CancelRunResult> {
      // The row lock orders this against a claim: whichever commits first wins, the other
      // finds the status changed (a claim skips the locked row).
      // The cancel, its event and the webhook deliveries it owes commit together (the outbox).
      const row = await transaction(async (client) => {
        const [canceled] = (await client.query(
          `WITH done AS (UPDATE runs SET status = 'CANCELED', updated_at = $1, completed_at = $1, event_seq = event_seq + 1
             WHERE id = $2 AND workspace_id = $3 AND status = 'QUEUED' RETURNING *),
           ${runDeliveriesCte('$4', '$1')}
           SELECT * FROM done`,
          [now, runId, workspaceId, 'run.canceled'],
        )).rows as Row[];
        if (canceled) await appendRunEventsPg(client, runId, [runStatusEvent(RunStatus.CANCELED, now)], now, { bumpedTo: Number(canceled.event_seq) });
        return canceled;
      });
      if (row) {
        deps.announceRunEvents(runId);
        deps.announceRunsEnded([toEndedRun(row)]);
        return { kind: 'canceled', run: toRun(row) };
      }
      const found = await getRunById(runId);
      if (!found || found.workspaceId !== workspaceId) return { kind: 'not_found' };
      return { kind: 'not_cancelable', run: found };
    },
  };
}

