import type { WaitingStore } from '../waiting-store.js';
import type { PostgresDeps } from './postgres-deps.js';

/** The reads of "why is this run waiting?", PostgreSQL dialect. */
export function createPostgresWaiting(deps: Pick<PostgresDeps, 'one'>): WaitingStore {
  return {
    async countQueuedAhead(run, cap) {
      // The claim order (created_at, id) on the partial index runs_queued; LIMIT bounds the scan.
      const row = await deps.one(
        `SELECT count(*) AS n FROM (
           SELECT 1 FROM runs WHERE status = 'QUEUED' AND (created_at, id) < ($1, $2)
           ORDER BY created_at, id LIMIT $3) AS ahead`,
        [run.createdAt, run.id, cap],
      );
      return Number(row!.n);
    },

    async countRunningWithKey(workspaceId, workflowId, key) {
      const row = await deps.one(
        `SELECT count(*) AS n FROM runs
         WHERE workspace_id = $1 AND workflow_id = $2 AND concurrency_key = $3 AND concurrency_limit IS NOT NULL AND status IN ('STARTING', 'RUNNING')`,
        [workspaceId, workflowId, key],
      );
      return Number(row!.n);
    },
  };
}
