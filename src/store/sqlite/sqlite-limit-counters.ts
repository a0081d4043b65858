import type { LimitCounterStore, LimitCounts } from '../limit-counter-store.js';
import type { SqliteDeps } from './sqlite-deps.js';
import { SQLITE_RUNS_CREATED_SINCE } from './sqlite-retention.js';

/** The statements createRun reads the limit counters with (kept by the triggers of migration 018). */
export const SQLITE_RUNS_TODAY = 'SELECT COALESCE(sum(n), 0) AS n FROM workspace_daily_runs WHERE workspace_id = ? AND day_start >= ?';
export const SQLITE_ACTIVE_RUNS = 'SELECT COALESCE(sum(n), 0) AS n FROM workspace_active_runs WHERE workspace_id = ?';

/** The limit counters, SQLite dialect. */
export function createSqliteLimitCounters(deps: SqliteDeps): LimitCounterStore {
  const { one } = deps;
  return {
    async auditLimitCounters(workspaceId, dayStart) {
      const counters: LimitCounts = {
        activeRuns: Number(one(SQLITE_ACTIVE_RUNS, workspaceId)!.n),
        runsToday: Number(one(SQLITE_RUNS_TODAY, workspaceId, dayStart)!.n),
      };
      const recounted: LimitCounts = {
        activeRuns: Number(one(`SELECT count(*) AS n FROM runs WHERE workspace_id = ? AND status IN ('QUEUED', 'STARTING', 'RUNNING') AND parent_run_id IS NULL`, workspaceId)!.n),
        runsToday: Number(one(SQLITE_RUNS_CREATED_SINCE, { workspaceId, since: dayStart })!.n), // runs and deleted runs
      };
      return { counters, recounted };
    },
  };
}
