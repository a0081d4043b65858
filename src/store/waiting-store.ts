import type { Run } from './types.js';

/**
 * What "why is this run waiting?" (SPEC §12) reads beyond the run itself, each a bounded read:
 * never a scan of the whole queue per request.
 */
export interface WaitingStore {
  /**
   * How many QUEUED runs a worker would claim before `run`, counting at most `cap`: an index
   * range scan that stops after `cap` rows, whatever the queue's length.
   */
  countQueuedAhead(run: Pick<Run, 'id' | 'createdAt'>, cap: number): Promise<number>;
  /**
   * STARTING/RUNNING runs of a workflow's concurrency key (`key` '' = the workflow-wide limit):
   * a count on the partial index of limited active runs, which holds at most `limit` per key.
   */
  countRunningWithKey(workspaceId: number, workflowId: string, key: string): Promise<number>;
}
