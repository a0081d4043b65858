import type { Run } from './types.js';

/**
 * What "why is this run waiting?" (SPEC §12) reads beyond the run itself, each a bounded read:
 * never a scan of the whole queue per request.
 */
export interface WaitingStore {
  /**
   * How many claimable QUEUED runs a worker would claim before `run`, counting at most `cap`:
   * its workspace's unlimited runs ahead of it in claim order (`queue_at`, `id`), plus, for a
   * run with a concurrency key, the runs ahead of it in its key. Index range scans stopped by
   * `LIMIT cap`, whatever the queue's length. Other workspaces' runs, which fair claims
   * interleave, are not counted.
   */
  countQueuedAhead(run: Pick<Run, 'id' | 'workspaceId' | 'workflowId' | 'queueAt' | 'concurrencyKey' | 'concurrencyLimit'>, now: number, cap: number): Promise<number>;
  /**
   * STARTING/RUNNING runs of a workflow's concurrency key (`key` '' = the workflow-wide limit):
   * the key row's `active` counter (migration 020, kept by triggers), 0 when the key has no row.
   */
  countRunningWithKey(workspaceId: number, workflowId: string, key: string): Promise<number>;
}
