import type { WaitingStore } from '../waiting-store.js';
import type { SqliteDeps } from './sqlite-deps.js';

/** The reads of "why is this run waiting?", SQLite dialect. */
export function createSqliteWaiting(deps: Pick<SqliteDeps, 'one'>): WaitingStore {
  return {
    async countQueuedAhead(run, cap) {
      // The claim order (created_at, id) on the partial index runs_queued; LIMIT bounds the scan.
      const row = deps.one(
        `SELECT count(*) AS n FROM (
           SELECT 1 FROM runs INDEXED BY runs_queued
           WHERE status = 'QUEUED' AND created_at <= ? AND (created_at < ? OR id < ?)
           ORDER BY created_at LIMIT ?)`,
        run.createdAt, run.createdAt, run.id, cap,
      );
      return Number(row!.n);
    },

    async countRunningWithKey(workspaceId, workflowId, key) {
      const row = deps.one(
        `SELECT count(*) AS n FROM runs
         WHERE workspace_id = ? AND workflow_id = ? AND concurrency_key = ? AND concurrency_limit IS NOT NULL AND status IN ('STARTING', 'RUNNING')`,
        workspaceId, workflowId, key,
      );
      return Number(row!.n);
    },
  };
}
