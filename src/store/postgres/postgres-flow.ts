import type pg from 'pg';
import type { FlowColumns } from '../flow-rows.js';

/**
 * Keyed runs were queued: their keys are listed for the claim, each with a head no later than
 * its runs' queue places (SPEC §12). Inside the create's transaction; the upsert takes the
 * key's row lock, so a claimer recomputing the head (under the same lock) cannot miss the run.
 */
export async function noteQueuedKeysPg(
  client: pg.PoolClient,
  runs: readonly { workspaceId: number; workflowId: string; flow: FlowColumns }[],
): Promise<void> {
  const keyed = runs.filter((run) => run.flow.concurrencyLimit !== null && run.flow.concurrencyKey !== null);
  if (keyed.length === 0) return;
  await client.query(
    `INSERT INTO concurrency_keys (workspace_id, workflow_id, key, head_at)
     SELECT k.workspace_id, k.workflow_id, k.key, min(k.head_at)
     FROM unnest($1::integer[], $2::text[], $3::text[], $4::bigint[]) AS k(workspace_id, workflow_id, key, head_at)
     GROUP BY k.workspace_id, k.workflow_id, k.key
     ORDER BY k.workspace_id, k.workflow_id, k.key
     ON CONFLICT (workspace_id, workflow_id, key) DO UPDATE
       SET head_at = least(coalesce(concurrency_keys.head_at, excluded.head_at), excluded.head_at)`,
    [keyed.map((run) => run.workspaceId), keyed.map((run) => run.workflowId), keyed.map((run) => run.flow.concurrencyKey), keyed.map((run) => run.flow.queueAt)],
  );
}
