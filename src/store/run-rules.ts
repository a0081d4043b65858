import type { CreateRunResult } from './run-store.js';
import type { Run, Workspace } from './types.js';

/**
 * The pure decisions of `createRun` that both dialects make the same way; each dialect
 * only reads the rows and counts they need (in its own SQL, inside its own transaction).
 */

/** A run already holds the idempotency key: the same workflow replays it, another one conflicts. */
export function replayOrConflict(existing: Run, workflowId: string): CreateRunResult {
  return existing.workflowId === workflowId ? { kind: 'replayed', run: existing } : { kind: 'idempotency_conflict', run: existing };
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
