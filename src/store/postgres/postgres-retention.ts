import type pg from 'pg';
import { type Row, toWorkspace } from '../rows.js';
import { DELETED_RUN_RECORD_MS, toDeletedRun, type DeletedRun, type RetentionStore } from '../retention-store.js';
import type { PostgresDeps } from './postgres-deps.js';

/**
 * Root runs a workspace created since `dayStart`, deleted ones included (their records
 * outlive the day they were created in): what the daily run limit counts. One statement,
 * so a run the sweeper deletes meanwhile is counted once (one snapshot).
 */
export const POSTGRES_RUNS_CREATED_SINCE = `SELECT
    (SELECT count(*) FROM runs WHERE workspace_id = $1 AND created_at >= $2 AND parent_run_id IS NULL)
  + (SELECT count(*) FROM deleted_runs WHERE workspace_id = $1 AND created_at >= $2 AND parent_run_id IS NULL) AS n`;

/**
 * The deleted runs whose records hold one of `keys` (created less than 24 h before `now`),
 * by key, inside the caller's transaction. Read after the runs themselves: the sweeper
 * deletes a run and writes its record in one commit, so one of the two reads sees it.
 */
export async function deletedRunsByKeysIn(client: pg.PoolClient, workspaceId: number, keys: readonly string[], now: number): Promise<Map<string, DeletedRun>> {
  const found = new Map<string, DeletedRun>();
  if (keys.length === 0) return found;
  const { rows } = await client.query(
    `SELECT DISTINCT ON (idempotency_key) * FROM deleted_runs
     WHERE workspace_id = $1 AND idempotency_key = ANY($2::text[]) AND created_at > $3
     ORDER BY idempotency_key, created_at DESC`,
    [workspaceId, keys, now - DELETED_RUN_RECORD_MS],
  );
  for (const row of rows as Row[]) found.set(row.idempotency_key as string, toDeletedRun(row));
  return found;
}

/**
 * Retention on PostgreSQL: every batch is one short transaction that locks its runs with
 * FOR UPDATE SKIP LOCKED, so sweepers in several processes take disjoint batches, and
 * writes a record for each run its own DELETE removed.
 */
export function createPostgresRetention(deps: PostgresDeps): RetentionStore {
  const { one, transaction } = deps;

  return {
    async updateWorkspaceRetention(workspaceId, retention) {
      const row = await one(
        `UPDATE workspaces SET
           retention_completed_ms = CASE WHEN $2 THEN $3::bigint ELSE retention_completed_ms END,
           retention_failed_ms = CASE WHEN $4 THEN $5::bigint ELSE retention_failed_ms END,
           retention_canceled_ms = CASE WHEN $6 THEN $7::bigint ELSE retention_canceled_ms END
         WHERE id = $1 RETURNING *`,
        [
          workspaceId,
          retention.completed !== undefined, retention.completed ?? null,
          retention.failed !== undefined, retention.failed ?? null,
          retention.canceled !== undefined, retention.canceled ?? null,
        ],
      );
      return row ? toWorkspace(row) : null;
    },

    async deleteExpiredRuns(batch) {
      return transaction(async (client) => {
        const rows = async (sql: string, params: unknown[]): Promise<Row[]> => (await client.query(sql, params)).rows as Row[];
        const ids = (await rows(
          `SELECT r.id FROM runs AS r
           WHERE r.workspace_id = $1 AND r.status = $2 AND r.completed_at < $3
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS d WHERE d.run_id = r.id AND d.status = 'pending')
             AND NOT EXISTS (SELECT 1 FROM runs AS p WHERE p.id = r.parent_run_id AND p.status IN ('QUEUED', 'STARTING', 'RUNNING'))
           ORDER BY r.completed_at LIMIT $4
           FOR UPDATE OF r SKIP LOCKED`,
          [batch.workspaceId, batch.status, batch.endedBefore, batch.limit],
        )).map((row) => row.id as string);
        if (ids.length === 0) return 0;
        // Deliveries first: one made pending meanwhile (a redeliver) keeps itself and its run.
        await client.query(`DELETE FROM webhook_deliveries WHERE run_id = ANY($1::text[]) AND status <> 'pending'`, [ids]);
        const doomed = (await rows(
          `SELECT r.id FROM runs AS r WHERE r.id = ANY($1::text[])
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS d WHERE d.run_id = r.id)`,
          [ids],
        )).map((row) => row.id as string);
        if (doomed.length === 0) return 0;
        for (const table of ['step_attempts', 'run_events', 'step_logs', 'waitpoints']) {
          await client.query(`DELETE FROM ${table} WHERE run_id = ANY($1::text[])`, [doomed]);
        }
        // Runs created more than a day ago leave no record (their key and their day are over).
        const [deleted] = await rows(
          `WITH gone AS (DELETE FROM runs WHERE id = ANY($1::text[]) RETURNING *),
           recorded AS (
             INSERT INTO deleted_runs (id, workspace_id, workflow_id, idempotency_key, status, execution_id, parent_run_id, created_at, deleted_at)
             SELECT id, workspace_id, workflow_id, idempotency_key, status, execution_id, parent_run_id, created_at, $2 FROM gone WHERE created_at > $3)
           SELECT count(*) AS n FROM gone`,
          [doomed, batch.now, batch.now - DELETED_RUN_RECORD_MS],
        );
        return Number(deleted!.n);
      });
    },

    async forgetDeletedRuns(createdBefore, limit) {
      const row = await one(
        `WITH gone AS (DELETE FROM deleted_runs WHERE id IN (SELECT id FROM deleted_runs WHERE created_at < $1 ORDER BY created_at LIMIT $2) RETURNING 1)
         SELECT count(*) AS n FROM gone`,
        [createdBefore, limit],
      );
      return Number(row!.n);
    },

    async forgetDailyRunCounts(dayStartBefore) {
      const row = await one('WITH gone AS (DELETE FROM workspace_daily_runs WHERE day_start < $1 RETURNING 1) SELECT count(*) AS n FROM gone', [dayStartBefore]);
      return Number(row!.n);
    },

    async findDeletedRunByIdempotencyKey(workspaceId, key, now) {
      const row = await one(
        'SELECT * FROM deleted_runs WHERE workspace_id = $1 AND idempotency_key = $2 AND created_at > $3 ORDER BY created_at DESC LIMIT 1',
        [workspaceId, key, now - DELETED_RUN_RECORD_MS],
      );
      return row ? toDeletedRun(row) : null;
    },
  };
}
