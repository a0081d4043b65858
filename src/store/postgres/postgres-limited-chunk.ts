import type { PostgresDeps } from './postgres-deps.js';
import { flowColumnsOf } from '../flow-rows.js';
import { isPlainRootChunk, queuedRunOf } from '../batch-chunk.js';
import { runColumnArrays, type ChunkItemResult, type GuardedNewRun } from './postgres-batch-runs.js';

const LIMITED_CHUNK = {
  name: 'runs-create-limited-chunk',
  text: `SELECT slipway_create_limited_chunk($1, $2, $3::text[], $4::text[], $5::integer[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[],
    $11::text[], $12::bigint[], $13::text[], $14::text[], $15::text[], $16::boolean[], $17::integer[], $18::bigint[], $19::bigint[], $20::bigint[], $21::text[]) AS written`,
};

/**
 * The creates of a limited workspace's group commit (postgres-create-groups.ts) in one
 * statement, when the whole chunk fits under the workspace's limits (migration 024: the
 * function locks the workspace, reads the counters and the guards after the lock, and inserts).
 * Every item then is `created`. Null, with nothing written, when the chunk is not plain (an
 * idempotency key, a concurrency key, a child run), does not fit whole or has a failed guard:
 * the caller judges it in a transaction, item by item, as before.
 *
 * @example
 * const results = (await createLimitedChunkInOneStatement(query, chunk)) ?? (await judgedInTransaction(chunk));
 */
export async function createLimitedChunkInOneStatement(query: PostgresDeps['query'], chunk: readonly GuardedNewRun[]): Promise<ChunkItemResult[] | null> {
  if (!isPlainRootChunk(chunk)) return null;
  const flows = chunk.map((input) => flowColumnsOf(input.flow, input.now));
  if (chunk.some((input) => input.idempotencyKey !== null) || flows.some((flow) => flow.concurrencyLimit !== null)) return null;
  const guarded = chunk.flatMap((input) => (input.guard ? [{ input, guard: input.guard }] : []));
  const c = runColumnArrays(chunk, flows);
  const [row] = await query(LIMITED_CHUNK.text, [
    chunk[0]!.workspaceId,
    chunk[0]!.dayStart,
    guarded.map((item) => item.guard.tokenId),
    guarded.map((item) => item.input.workflowId),
    guarded.map((item) => item.guard.workflowVersion),
    guarded.map((item) => item.input.now),
    c.ids, c.workflowIds, c.inputs, c.metadata, c.triggers, c.nows, c.traceIds, c.traceParentSpanIds, c.traceSpanIds, c.traceSampled,
    c.priorities, c.notBefores, c.queueAts, c.expiresAts,
    c.queuedEvents,
  ], { prepared: LIMITED_CHUNK.name });
  if (row?.written !== true) return null;
  return chunk.map((input, index) => ({ kind: 'created', run: queuedRunOf(input, flows[index]!) }));
}
