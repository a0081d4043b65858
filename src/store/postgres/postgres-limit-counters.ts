import type { LimitCounterStore, LimitCounts } from '../limit-counter-store.js';
import type { PostgresDeps } from './postgres-deps.js';
import { POSTGRES_RUNS_CREATED_SINCE } from './postgres-retention.js';

/**
 * The statements createRun reads the limit counters with: the sum of the counter's shards
 * (kept by the triggers of migration 018, one shard per connection).
 */
export const PG_RUNS_TODAY = 'SELECT COALESCE(sum(n), 0) AS n FROM workspace_daily_runs WHERE workspace_id = $1 AND day_start >= $2';
export const PG_ACTIVE_RUNS = 'SELECT COALESCE(sum(n), 0) AS n FROM workspace_active_runs WHERE workspace_id = $1';

/** Both counters in one statement ($1 workspace, $2 day start): `today`, `active`. */
export const PG_LIMIT_COUNTS = `SELECT
    (SELECT COALESCE(sum(n), 0) FROM workspace_daily_runs WHERE workspace_id = $1 AND day_start >= $2) AS today,
    (SELECT COALESCE(sum(n), 0) FROM workspace_active_runs WHERE workspace_id = $1) AS active`;

/** The limit counters, PostgreSQL dialect. */
export function createPostgresLimitCounters(deps: PostgresDeps): LimitCounterStore {
  const { one } = deps;
  return {
    async auditLimitCounters(workspaceId, dayStart) {
      const counters: LimitCounts = {
        activeRuns: Number((await one(PG_ACTIVE_RUNS, [workspaceId]))!.n),
        runsToday: Number((await one(PG_RUNS_TODAY, [workspaceId, dayStart]))!.n),
      };
      const recounted: LimitCounts = {
        activeRuns: Number((await one(`SELECT count(*) AS n FROM runs WHERE workspace_id = $1 AND status IN ('QUEUED', 'STARTING', 'RUNNING') AND parent_run_id IS NULL`, [workspaceId]))!.n),
        runsToday: Number((await one(POSTGRES_RUNS_CREATED_SINCE, [workspaceId, dayStart]))!.n), // runs and deleted runs
      };
      return { counters, recounted };
    },
  };
}
