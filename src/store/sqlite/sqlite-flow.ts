import type { FlowColumns } from '../flow-rows.js';
import type { SqliteDeps } from './sqlite-deps.js';

/**
 * A keyed run was queued: its key is listed for the claim, with a head no later than the
 * run's queue place (SPEC §12). Inside the create's transaction.
 */
export function noteQueuedKeySqlite(deps: Pick<SqliteDeps, 'run'>, workspaceId: number, workflowId: string, flow: FlowColumns): void {
  if (flow.concurrencyLimit === null || flow.concurrencyKey === null) return;
  deps.run(
    `INSERT INTO concurrency_keys (workspace_id, workflow_id, key, head_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (workspace_id, workflow_id, key) DO UPDATE SET head_at = min(coalesce(head_at, excluded.head_at), excluded.head_at)`,
    workspaceId, workflowId, flow.concurrencyKey, flow.queueAt,
  );
}
