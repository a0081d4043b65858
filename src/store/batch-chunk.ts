import { RunStatus } from '../core/states.js';
import type { FlowColumns } from './flow-rows.js';
import type { DeletedRun } from './retention-store.js';
import { concurrentLimitExceeded, dailyLimitExceeded, replayDeletedOrConflict, replayOrConflict } from './run-rules.js';
import type { CreateRunResult, NewRun } from './run-store.js';
import type { Run, Workspace } from './types.js';

/**
 * The pure part of a batch chunk (SPEC §15) that both dialects share: each item judged in
 * request order exactly as `createRun` would judge it after the items before it, from what
 * the dialect read once for the whole chunk inside its transaction (the workspace, the runs
 * and deleted-run records holding the chunk's keys, the two limit counters).
 */

/** What an item of the chunk is, once judged in order. */
export type ChunkJudgement =
  | { kind: 'insert' }
  /** Its key was taken by an earlier item of the same chunk (at `index`): a replay (or conflict) of that run. */
  | { kind: 'same_key_as'; index: number }
  | { kind: 'decided'; result: CreateRunResult };

/** What the dialect read for a chunk, in its transaction, before judging it. */
export interface ChunkState {
  workspace: Workspace;
  /** Runs holding one of the chunk's keys, by key. */
  existing: ReadonlyMap<string, Run>;
  /** Records of deleted runs (retention) holding one of the other keys, by key. */
  deleted: ReadonlyMap<string, DeletedRun>;
  /** The daily counter (runs created since the chunk's `dayStart`); 0 when the workspace has no daily limit. */
  today: number;
  /** The active counter; 0 when the workspace has no concurrent limit. */
  active: number;
}

/** Judges the chunk's items in order: replays of existing keys, keys repeated within the chunk, then the two limits over the accepted ones. */
export function judgeChunk(inputs: readonly NewRun[], state: ChunkState): ChunkJudgement[] {
  const { workspace, existing, deleted, today, active } = state;
  const judged: ChunkJudgement[] = [];
  const acceptedByKey = new Map<string, number>();
  let accepted = 0;
  for (const [index, input] of inputs.entries()) {
    const key = input.idempotencyKey;
    const earlier = key === null ? undefined : existing.get(key);
    if (earlier) {
      judged.push({ kind: 'decided', result: replayOrConflict(earlier, input.workflowId) });
      continue;
    }
    const record = key === null ? undefined : deleted.get(key);
    if (record) {
      judged.push({ kind: 'decided', result: replayDeletedOrConflict(record, input.workflowId) });
      continue;
    }
    const sameKeyIndex = key === null ? undefined : acceptedByKey.get(key);
    if (sameKeyIndex !== undefined) {
      judged.push({ kind: 'same_key_as', index: sameKeyIndex });
      continue;
    }
    const exceeded = dailyLimitExceeded(workspace, today + accepted) ?? concurrentLimitExceeded(workspace, active + accepted);
    if (exceeded) {
      judged.push({ kind: 'decided', result: exceeded });
      continue;
    }
    accepted += 1;
    if (key !== null) acceptedByKey.set(key, index);
    judged.push({ kind: 'insert' });
  }
  return judged;
}

/** The chunk's results in request order, once the items judged `insert` were written as `created` (by run id). */
export function chunkResults(inputs: readonly NewRun[], judged: readonly ChunkJudgement[], created: ReadonlyMap<string, Run>): CreateRunResult[] {
  return judged.map((item, index): CreateRunResult => {
    switch (item.kind) {
      case 'insert':
        return { kind: 'created', run: created.get(inputs[index]!.id)! };
      case 'same_key_as':
        return replayOrConflict(created.get(inputs[item.index]!.id)!, inputs[index]!.workflowId);
      case 'decided':
        return item.result;
    }
  });
}

/** True when the chunk path applies: root runs of one workspace under its limits, of one UTC day (else: item by item). */
export function isPlainRootChunk(inputs: readonly NewRun[]): boolean {
  const first = inputs[0];
  return first !== undefined && inputs.every((input) => input.parentRunId === null && !input.ignoreLimits && !input.childRunLimits
    && input.workspaceId === first.workspaceId && input.dayStart === first.dayStart);
}

/**
 * Splits a batch into chunks of at most `size` items that each fall on one UTC day (a batch
 * prepared across midnight is judged against each day's counter, as single creates would be).
 */
export function batchChunks(inputs: readonly NewRun[], size: number): NewRun[][] {
  const chunks: NewRun[][] = [];
  let current: NewRun[] = [];
  for (const input of inputs) {
    if (current.length === size || (current.length > 0 && current[0]!.dayStart !== input.dayStart)) {
      chunks.push(current);
      current = [];
    }
    current.push(input);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * The run a create inserts, as its row reads back (what `toRun` of the inserted row gives),
 * built without reading it back: a QUEUED run with nothing else set yet, placed in its
 * tree (`rootRunId`, `depth`: none for a root run). The store contract test compares it
 * with the stored row.
 */
export function queuedRunOf(input: NewRun, flow: FlowColumns, placement: { rootRunId: string | null; depth: number } = { rootRunId: null, depth: 0 }): Run {
  const trace = input.trace ?? null;
  return {
    id: input.id,
    workspaceId: input.workspaceId,
    workflowId: input.workflowId,
    status: RunStatus.QUEUED,
    inputs: input.inputs,
    metadata: input.metadata,
    idempotencyKey: input.idempotencyKey,
    workflowVersion: null,
    executionId: null,
    output: null,
    error: null,
    parentRunId: input.parentRunId,
    rootRunId: placement.rootRunId,
    depth: placement.depth,
    createdAt: input.now,
    updatedAt: input.now,
    startedAt: null,
    completedAt: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    claimCount: 0,
    trigger: input.recordedTrigger ?? (input.parentRunId !== null ? { type: 'child', parent_run_id: input.parentRunId } : { type: 'api' }),
    claimToken: null,
    cancelReason: null,
    priority: flow.priority,
    notBefore: flow.notBefore,
    queueAt: flow.queueAt,
    expiresAt: flow.expiresAt,
    concurrencyKey: flow.concurrencyKey,
    concurrencyLimit: flow.concurrencyLimit,
    trace: trace ? { traceId: trace.traceId, parentSpanId: trace.parentSpanId, spanId: trace.spanId, sampled: trace.sampled } : null,
  };
}
