import type pg from 'pg';
import { type Row, toJson, toRun, toWorkspace } from '../rows.js';
import { chunkResults, judgeChunk, queuedRunOf } from '../batch-chunk.js';
import { deletedRunsByKeysIn } from './postgres-retention.js';
import type { DeletedRun } from '../retention-store.js';
import type { CreateGuard, CreateRunResult, NewRun } from '../run-store.js';
import type { Run, Workspace } from '../types.js';
import { queuedEventData } from './postgres-one-statement-create.js';
import { flowColumnsOf, type FlowColumns } from '../flow-rows.js';
import { noteQueuedKeysPg } from './postgres-flow.js';

/** At most this many runs are judged and inserted by one transaction of a batch. */
export const BATCH_CHUNK_SIZE = 1000;

/**
 * How one chunk of a batch came out: judged and written with a few statements, or
 * `key_taken` when another request inserted one of the chunk's idempotency keys between
 * our read of the keys and our insert (the chunk's transaction must then be rolled back
 * and judged again, item by item).
 */
export type BatchChunkOutcome = { kind: 'written'; results: ChunkItemResult[] } | { kind: 'key_taken' };

/** A create of a chunk that re-checks its caller's token and workflow version (createRunIfCurrent of a limited workspace). */
export interface GuardedNewRun extends NewRun {
  guard?: CreateGuard;
}

/** An item's result: `guard_failed` only for a guarded item whose token or version no longer holds (nothing written for it). */
export type ChunkItemResult = CreateRunResult | { kind: 'guard_failed' };

/**
 * The limit counters ($7: the workspace has limits; $8 the day's start) and the guarded items
 * (their index in the chunk) whose token is revoked, expired or unknown, or whose workflow's
 * default version moved on, read after the workspace lock.
 */
const GUARDS_AND_COUNTS = `SELECT
    CASE WHEN $7::boolean THEN (SELECT COALESCE(sum(n), 0) FROM workspace_daily_runs WHERE workspace_id = $1 AND day_start >= $8::bigint) ELSE 0 END AS today,
    CASE WHEN $7::boolean THEN (SELECT COALESCE(sum(n), 0) FROM workspace_active_runs WHERE workspace_id = $1) ELSE 0 END AS active,
    ARRAY(SELECT g.i
      FROM unnest($2::text[], $3::text[], $4::integer[], $5::bigint[], $6::integer[]) AS g(token_id, workflow_id, version, now, i)
      WHERE NOT (EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = g.token_id AND t.workspace_id = $1 AND t.revoked_at IS NULL
              AND (t.expires_at IS NULL OR t.expires_at > g.now))
        AND EXISTS (SELECT 1 FROM workflows f WHERE f.workspace_id = $1 AND f.id = g.workflow_id AND f.default_version = g.version))) AS failed`;

/**
 * Batch create (SPEC §15) of root runs of one workspace, inside the caller's transaction:
 * the workspace row locked (so every limited create of the workspace waits for this one),
 * the chunk's keys read in one query, the two counts once, then each item judged in
 * request order exactly as `createRun` would judge it after the items before it
 * (batch-chunk.ts, shared with SQLite), and the
 * accepted runs and their QUEUED events written with one multi-row INSERT each.
 *
 * @example
 * const outcome = await createRunChunkIn(client, inputs);
 * if (outcome.kind === 'key_taken') throw new Error('roll back, judge one by one');
 */
export async function createRunChunkIn(client: pg.PoolClient, chunk: readonly GuardedNewRun[]): Promise<BatchChunkOutcome> {
  const rows = async (sql: string, params: unknown[]): Promise<Row[]> => (await client.query(sql, params)).rows as Row[];
  const workspaceId = chunk[0]!.workspaceId;
  const workspace = toWorkspace((await rows('SELECT * FROM workspaces WHERE id = $1 FOR NO KEY UPDATE', [workspaceId]))[0]!);
  const { failed, today, active } = await guardsAndCountsIn(client, workspace, chunk);
  // Items whose guard failed are left out: not judged, not counted, not written.
  const inputs = failed.size === 0 ? chunk : chunk.filter((_, index) => !failed.has(index));
  if (inputs.length === 0) return { kind: 'written', results: chunk.map(() => ({ kind: 'guard_failed' })) };
  const keys = inputs.map((input) => input.idempotencyKey).filter((key): key is string => key !== null);
  const existing = new Map<string, Run>();
  if (keys.length > 0) {
    for (const row of await rows('SELECT * FROM runs WHERE workspace_id = $1 AND idempotency_key = ANY($2::text[])', [workspaceId, keys])) {
      existing.set(row.idempotency_key as string, toRun(row));
    }
  }
  const deletedByKey: Map<string, DeletedRun> = await deletedRunsByKeysIn(client, workspaceId, keys.filter((key) => !existing.has(key)), inputs[0]!.now);

  const judged = judgeChunk(inputs, { workspace, existing, deleted: deletedByKey, today, active });

  const toInsert = inputs.filter((_, index) => judged[index]!.kind === 'insert');
  const created = new Map<string, Run>();
  if (toInsert.length > 0) {
    const flows = toInsert.map((input) => flowColumnsOf(input.flow, input.now));
    const c = runColumnArrays(toInsert, flows);
    const inserted = await rows(
      `WITH ins AS (INSERT INTO runs (id, workspace_id, workflow_id, status, inputs, metadata, idempotency_key, parent_run_id, root_run_id, depth, created_at, updated_at, event_seq, run_trigger,
         trace_id, trace_parent_span_id, trace_span_id, trace_sampled, priority, not_before, queue_at, expires_at, concurrency_key, concurrency_limit)
       SELECT r.id, $1, r.workflow_id, 'QUEUED', r.inputs::json, r.metadata::json, r.idempotency_key, NULL, NULL, 0, r.now, r.now, 1, r.run_trigger::json,
         r.trace_id, r.trace_parent_span_id, r.trace_span_id, r.trace_sampled,
         r.priority, r.not_before, r.queue_at, r.expires_at, r.concurrency_key, r.concurrency_limit
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::boolean[],
           $13::integer[], $14::bigint[], $15::bigint[], $16::bigint[], $17::text[], $18::integer[])
         AS r(id, workflow_id, inputs, metadata, idempotency_key, run_trigger, now, trace_id, trace_parent_span_id, trace_span_id, trace_sampled,
           priority, not_before, queue_at, expires_at, concurrency_key, concurrency_limit)
       ON CONFLICT (workspace_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING id),
       ev AS (INSERT INTO run_events (run_id, seq, type, step_id, data, created_at)
         SELECT ins.id, 1, 'run.status', NULL, e.data::json, e.created_at FROM ins JOIN unnest($2::text[], $19::text[], $8::bigint[]) AS e(run_id, data, created_at) ON e.run_id = ins.id)
       SELECT id FROM ins`,
      [
        workspaceId, c.ids, c.workflowIds, c.inputs, c.metadata, toInsert.map((input) => input.idempotencyKey), c.triggers, c.nows,
        c.traceIds, c.traceParentSpanIds, c.traceSpanIds, c.traceSampled, c.priorities, c.notBefores, c.queueAts, c.expiresAts,
        flows.map((flow) => flow.concurrencyKey), flows.map((flow) => flow.concurrencyLimit),
        c.queuedEvents,
      ],
    );
    if (inserted.length < toInsert.length) return { kind: 'key_taken' };
    await noteQueuedKeysPg(client, toInsert.map((input, index) => ({ workspaceId, workflowId: input.workflowId, flow: flows[index]! })));
    // Answered from what was inserted (store/batch-chunk.ts), not read back: 1,000 rows of every column were most of the answer's bytes.
    toInsert.forEach((input, index) => created.set(input.id, queuedRunOf(input, flows[index]!)));
  }

  const results: ChunkItemResult[] = chunkResults(inputs, judged, created);
  if (failed.size === 0) return { kind: 'written', results };
  let next = 0;
  return { kind: 'written', results: chunk.map((_, index) => (failed.has(index) ? { kind: 'guard_failed' } : results[next++]!)) };
}

/** The column arrays (one element per run, `unnest`ed by the statement) that every multi-row insert of runs and their QUEUED events sends. */
export function runColumnArrays(inputs: readonly NewRun[], flows: readonly FlowColumns[]) {
  return {
    ids: inputs.map((input) => input.id),
    workflowIds: inputs.map((input) => input.workflowId),
    inputs: inputs.map((input) => JSON.stringify(input.inputs)),
    metadata: inputs.map((input) => toJson(input.metadata)),
    triggers: inputs.map((input) => toJson(input.recordedTrigger)),
    nows: inputs.map((input) => input.now),
    traceIds: inputs.map((input) => input.trace?.traceId ?? null),
    traceParentSpanIds: inputs.map((input) => input.trace?.parentSpanId ?? null),
    traceSpanIds: inputs.map((input) => input.trace?.spanId ?? null),
    traceSampled: inputs.map((input) => (input.trace ? input.trace.sampled : null)),
    priorities: flows.map((flow) => flow.priority),
    notBefores: flows.map((flow) => flow.notBefore),
    queueAts: flows.map((flow) => flow.queueAt),
    expiresAts: flows.map((flow) => flow.expiresAt),
    /** Each run's QUEUED event's data. */
    queuedEvents: inputs.map((input) => queuedEventData(input.now)),
  };
}

/**
 * After the workspace lock, in one statement (its snapshot is taken after the lock): the limit
 * counters the workspace's limits need and the indexes of the guarded items whose guard no
 * longer holds. No statement when neither is needed (a batch in a workspace without limits).
 */
async function guardsAndCountsIn(client: pg.PoolClient, workspace: Workspace, chunk: readonly GuardedNewRun[]): Promise<{ failed: Set<number>; today: number; active: number }> {
  const guarded = chunk.flatMap((input, index) => (input.guard ? [{ input, guard: input.guard, index }] : []));
  const limited = workspace.dailyRunLimit !== null || workspace.concurrentRunLimit !== null;
  if (guarded.length === 0 && !limited) return { failed: new Set(), today: 0, active: 0 };
  const { rows } = await client.query(GUARDS_AND_COUNTS, [
    workspace.id,
    guarded.map((item) => item.guard.tokenId),
    guarded.map((item) => item.input.workflowId),
    guarded.map((item) => item.guard.workflowVersion),
    guarded.map((item) => item.input.now),
    guarded.map((item) => item.index),
    limited,
    chunk[0]!.dayStart,
  ]);
  const row = rows[0] as Row;
  return { failed: new Set((row.failed as number[]).map(Number)), today: Number(row.today), active: Number(row.active) };
}
