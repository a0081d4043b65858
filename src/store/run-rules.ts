import type { ChildRunLimits, CreateRunResult } from './run-store.js';
import type { DeletedRun } from './retention-store.js';
import type { Run, Workspace } from './types.js';

/**
 * The pure decisions of `createRun` that both dialects make the same way; each dialect
 * only reads the rows and counts they need (in its own SQL, inside its own transaction).
 */

/** A run already holds the idempotency key: the same workflow replays it, another one conflicts. */
export function replayOrConflict(existing: Run, workflowId: string): CreateRunResult {
  return existing.workflowId === workflowId ? { kind: 'replayed', run: existing } : { kind: 'idempotency_conflict', run: existing };
}

/** A deleted run's record holds the key (SPEC §17): the same workflow replays it, another one conflicts. */
export function replayDeletedOrConflict(deleted: DeletedRun, workflowId: string): CreateRunResult {
  return deleted.workflowId === workflowId ? { kind: 'replayed_deleted', deleted } : { kind: 'idempotency_conflict', run: { id: deleted.id, workflowId: deleted.workflowId } };
}

/** Where a child of `parent` goes in its tree: the root's id and the child's depth. */
export function childPlacement(parent: Pick<Run, 'id' | 'rootRunId' | 'depth'>): { rootRunId: string; depth: number } {
  return { rootRunId: parent.rootRunId ?? parent.id, depth: parent.depth + 1 };
}

/** `child_run_limit` when a child at `depth` in a tree that has `treeSize` descendants already is over budget, else null. */
export function childRunLimitExceeded(limits: ChildRunLimits | undefined, depth: number, treeSize: number): CreateRunResult | null {
  if (!limits) return null;
  if (depth > limits.maxDepth) return { kind: 'child_run_limit', message: `child runs may nest at most ${limits.maxDepth} levels below their root run (SLIPWAY_MAX_RUN_DEPTH)` };
  if (treeSize >= limits.maxTree) return { kind: 'child_run_limit', message: `the root run already has ${treeSize} child runs, the budget of its tree (SLIPWAY_MAX_RUN_TREE is ${limits.maxTree})` };
  return null;
}

/** `daily_limit_exceeded` when the workspace has already created its runs for today, else null. */
export function dailyLimitExceeded(workspace: Workspace, runsToday: number): CreateRunResult | null {
  const limit = workspace.dailyRunLimit;
  return limit !== null && runsToday >= limit ? { kind: 'daily_limit_exceeded', limit } : null;
}

/** `concurrent_limit_exceeded` when the workspace has as many active runs as it may, else null. */
export function concurrentLimitExceeded(workspace: Workspace, activeRuns: number): CreateRunResult | null {
  const limit = workspace.concurrentRunLimit;
  return limit !== null && activeRuns >= limit ? { kind: 'concurrent_limit_exceeded', limit } : null;
}
