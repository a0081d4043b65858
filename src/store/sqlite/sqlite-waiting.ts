import type { WaitingStore } from '../waiting-store.js';
import { claimableAt } from '../claim-plan.js';
import type { SqliteDeps } from './sqlite-deps.js';

/** The reads of "why is this run waiting?", SQLite dialect. */
export function createSqliteWaiting(deps: Pick<SqliteDeps, 'one'>): WaitingStore {
  return {
    async countQueuedAhead(run, now, cap) {
      // The claim's lanes (sqlite-flow.ts): the workspace's unlimited runs on runs_claim_plain, the
      // run's own key on runs_claim_keyed, both in (queue_at, id) order; LIMIT bounds each scan.
      const plain = Number(deps.one(
        `SELECT count(*) AS n FROM (
           SELECT 1 FROM runs INDEXED BY runs_claim_plain
           WHERE workspace_id = ? AND status = 'QUEUED' AND concurrency_limit IS NULL AND queue_at <= ? AND (queue_at < ? OR id < ?)
             AND ${claimableAt('?')}
           ORDER BY queue_at LIMIT ?)`,
        run.workspaceId, run.queueAt, run.queueAt, run.id, now, now, cap,
      )!.n);
      if (run.concurrencyLimit === null || run.concurrencyKey === null || plain >= cap) return Math.min(plain, cap);
      const keyed = Number(deps.one(
        `SELECT count(*) AS n FROM (
           SELECT 1 FROM runs INDEXED BY runs_claim_keyed
           WHERE workspace_id = ? AND workflow_id = ? AND concurrency_key = ? AND status = 'QUEUED' AND concurrency_limit IS NOT NULL
             AND queue_at <= ? AND (queue_at < ? OR id < ?) AND ${claimableAt('?')}
           ORDER BY queue_at LIMIT ?)`,
        run.workspaceId, run.workflowId, run.concurrencyKey, run.queueAt, run.queueAt, run.id, now, now, cap - plain,
      )!.n);
      return Math.min(plain + keyed, cap);
    },

    async countRunningWithKey(workspaceId, workflowId, key) {
      const row = deps.one(
        `SELECT coalesce((SELECT active FROM concurrency_keys WHERE workspace_id = ? AND workflow_id = ? AND key = ?), 0) AS n`,
        workspaceId, workflowId, key,
      );
      return Number(row!.n);
    },
  };
}
