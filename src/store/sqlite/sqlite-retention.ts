import { toWorkspace } from '../rows.js';
import { DELETED_RUN_RECORD_MS, toDeletedRun, type DeletedRun, type RetentionStore } from '../retention-store.js';
import type { SqliteDeps } from './sqlite-deps.js';

/**
 * Root runs a workspace created since `dayStart`, deleted ones included (their records
 * outlive the day they were created in): what the daily run limit counts.
 */
export const SQLITE_RUNS_CREATED_SINCE = `SELECT
    (SELECT count(*) FROM runs WHERE workspace_id = @workspaceId AND created_at >= @since AND parent_run_id IS NULL)
  + (SELECT count(*) FROM deleted_runs WHERE workspace_id = @workspaceId AND created_at >= @since AND parent_run_id IS NULL) AS n`;

/** The deleted run whose record holds `key` (created less than 24 h before `now`), inside the caller's transaction. */
export function deletedRunByKeySync(deps: Pick<SqliteDeps, 'one'>, workspaceId: number, key: string, now: number): DeletedRun | null {
  const row = deps.one(
    'SELECT * FROM deleted_runs WHERE workspace_id = ? AND idempotency_key = ? AND created_at > ? ORDER BY created_at DESC LIMIT 1',
    workspaceId, key, now - DELETED_RUN_RECORD_MS,
  );
  return row ? toDeletedRun(row) : null;
}

// The ids of one batch go in as a JSON array, so every statement's text (and cached plan) is fixed.
const IDS = 'SELECT value FROM json_each(?)';

/**
 * Retention on SQLite: every batch is one short group-commit transaction (BEGIN IMMEDIATE,
 * so processes sharing the file take turns and a run is deleted by one of them); the
 * API's writes of the same moment share or follow it, never wait behind a long delete.
 */
export function createSqliteRetention(deps: SqliteDeps): RetentionStore {
  const { one, all, run, writes } = deps;

  return {
    async updateWorkspaceRetention(workspaceId, retention) {
      return writes.submit(() => {
        const row = one(
          `UPDATE workspaces SET
             retention_completed_ms = CASE WHEN ? THEN ? ELSE retention_completed_ms END,
             retention_failed_ms = CASE WHEN ? THEN ? ELSE retention_failed_ms END,
             retention_canceled_ms = CASE WHEN ? THEN ? ELSE retention_canceled_ms END
           WHERE id = ? RETURNING *`,
          retention.completed !== undefined ? 1 : 0, retention.completed ?? null,
          retention.failed !== undefined ? 1 : 0, retention.failed ?? null,
          retention.canceled !== undefined ? 1 : 0, retention.canceled ?? null,
          workspaceId,
        );
        return row ? toWorkspace(row) : null;
      });
    },

    async deleteExpiredRuns(batch) {
      return writes.submit(() => {
        const ids = all(
          `SELECT id FROM runs AS r
           WHERE r.workspace_id = ? AND r.status = ? AND r.completed_at < ?
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS d WHERE d.run_id = r.id AND d.status = 'pending')
             AND NOT EXISTS (SELECT 1 FROM runs AS p WHERE p.id = r.parent_run_id AND p.status IN ('QUEUED', 'STARTING', 'RUNNING'))
           ORDER BY r.completed_at LIMIT ?`,
          batch.workspaceId, batch.status, batch.endedBefore, batch.limit,
        ).map((row) => row.id as string);
        if (ids.length === 0) return 0;
        const list = JSON.stringify(ids);
        run(
          `INSERT INTO deleted_runs (id, workspace_id, workflow_id, idempotency_key, status, execution_id, parent_run_id, created_at, deleted_at)
           SELECT id, workspace_id, workflow_id, idempotency_key, status, execution_id, parent_run_id, created_at, ?
           FROM runs WHERE id IN (${IDS}) AND created_at > ?`,
          batch.now, list, batch.now - DELETED_RUN_RECORD_MS,
        );
        for (const table of ['step_attempts', 'run_events', 'step_logs', 'waitpoints', 'webhook_deliveries']) {
          run(`DELETE FROM ${table} WHERE run_id IN (${IDS})`, list);
        }
        return run(`DELETE FROM runs WHERE id IN (${IDS})`, list).changes;
      });
    },

    async forgetDeletedRuns(createdBefore, limit) {
      return writes.submit(() => run(
        'DELETE FROM deleted_runs WHERE id IN (SELECT id FROM deleted_runs WHERE created_at < ? ORDER BY created_at LIMIT ?)',
        createdBefore, limit,
      ).changes);
    },

    async forgetDailyRunCounts(dayStartBefore) {
      return writes.submit(() => run('DELETE FROM workspace_daily_runs WHERE day_start < ?', dayStartBefore).changes);
    },

    async findDeletedRunByIdempotencyKey(workspaceId, key, now) {
      return deletedRunByKeySync(deps, workspaceId, key, now);
    },
  };
}
