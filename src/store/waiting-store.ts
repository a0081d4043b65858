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
}
