import type { WaitingStore } from '../waiting-store.js';
import { claimableAt } from '../claim-plan.js';
import type { PostgresDeps } from './postgres-deps.js';

/** The reads of "why is this run waiting?", PostgreSQL dialect. */
export function createPostgresWaiting(deps: Pick<PostgresDeps, 'one'>): WaitingStore {
  return {
    async countQueuedAhead(run, now, cap) {
      // The claim's lanes (postgres-flow.ts): the workspace's unlimited runs on runs_claim_plain, the
      // run's own key on runs_claim_keyed, both in (queue_at, id) order; LIMIT bounds each scan.
      const plain = Number((await deps.one(
        `SELECT count(*) AS n FROM (
           SELECT 1 FROM runs
           WHERE workspace_id = $1 AND status = 'QUEUED' AND concurrency_limit IS NULL AND (queue_at, id) < ($2, $3)
             AND ${claimableAt('$4::bigint')}
           ORDER BY queue_at, id LIMIT $5) AS ahead`,
        [run.workspaceId, run.queueAt, run.id, now, cap],
      ))!.n);
      if (run.concurrencyLimit === null || run.concurrencyKey === null || plain >= cap) return Math.min(plain, cap);
      const keyed = Number((await deps.one(
        `SELECT count(*) AS n FROM (
           SELECT 1 FROM runs
           WHERE workspace_id = $1 AND workflow_id = $2 AND concurrency_key = $3 AND status = 'QUEUED' AND concurrency_limit IS NOT NULL
             AND (queue_at, id) < ($4, $5) AND ${claimableAt('$6::bigint')}
           ORDER BY queue_at, id LIMIT $7) AS ahead`,
        [run.workspaceId, run.workflowId, run.concurrencyKey, run.queueAt, run.id, now, cap - plain],
      ))!.n);
      return Math.min(plain + keyed, cap);
    },

    async countRunningWithKey(workspaceId, workflowId, key) {
      const row = await deps.one(
        `SELECT coalesce((SELECT active FROM concurrency_keys WHERE workspace_id = $1 AND workflow_id = $2 AND key = $3), 0) AS n`,
        [workspaceId, workflowId, key],
      );
      return Number(row!.n);
    },
  };
}
