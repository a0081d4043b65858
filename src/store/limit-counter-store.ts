/**
 * The counters behind the daily and concurrent run limits (issue 10). They are kept by
 * triggers on `runs` (migration 018) in the same transaction as every insert, status change
 * and delete of a run, and createRun reads them instead of counting rows. `countedRunsToday`
 * and `activeRuns` are what the limits count: root runs (no parent) created since `dayStart`,
 * and root runs in QUEUED, STARTING or RUNNING.
 */
export interface LimitCounts {
  activeRuns: number;
  runsToday: number;
}

export interface LimitCounterStore {
  /**
   * The workspace's counters and, beside them, the same figures counted from the rows (slow:
   * for tests and diagnosis): runs, and for the day also the runs retention deleted
   * (`deleted_runs`), which still count toward the day they were created.
   */
  auditLimitCounters(workspaceId: number, dayStart: number): Promise<{ counters: LimitCounts; recounted: LimitCounts }>;
}
