import { newUuid } from '../../core/ids.js';
import { DELIVERY_RETRY_WINDOW_MS } from '../webhook-rows.js';
import { toJson } from '../rows.js';
import { closeRunWaitpointsStatus, toWaitpoint, waitpointCompletedEvent, waitpointOpenedEvent } from '../waitpoint-rows.js';
import type { Waitpoint, WaitpointStore } from '../waitpoint-store.js';
import type { SqliteDeps } from './sqlite-deps.js';
import { appendRunEventsSqlite } from './sqlite-events.js';

/** Waitpoints of the SQLite store (SPEC §7); every write runs in the group commit's transaction. */
export function createSqliteWaitpoints(deps: SqliteDeps): WaitpointStore {
  const { one, all, run, writes } = deps;

  return {
    async openWaitpoint(w, webhookBody) {
      const result = await writes.submit((): { waitpoint: Waitpoint; opened: boolean } => {
        const existing = one('SELECT * FROM waitpoints WHERE open_key = ?', w.openKey);
        if (existing) return { waitpoint: toWaitpoint(existing), opened: false };
        const row = one(
          `INSERT INTO waitpoints (id, workspace_id, run_id, workflow_id, step_id, open_key, kind, status, prompt, fields, event, match, match_scope, created_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'OPEN', ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
          w.id, w.workspaceId, w.runId, w.workflowId, w.stepId, w.openKey, w.kind, w.prompt, toJson(w.fields), w.event, w.match,
          toJson(w.matchScope), w.now, w.expiresAt,
        )!;
        const waitpoint = toWaitpoint(row);
        const endpoints = all(
          `SELECT id FROM webhook_endpoints WHERE workspace_id = ? AND (workflow_id IS NULL OR workflow_id = ?)
             AND EXISTS (SELECT 1 FROM json_each(webhook_endpoints.events) WHERE value = 'waitpoint.opened')`,
          w.workspaceId, w.workflowId,
        );
        const body = endpoints.length > 0 ? webhookBody(waitpoint) : null;
        for (const endpoint of endpoints) {
          run(
            `INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, event, run_id, payload, status, next_attempt_at, give_up_at, created_at)
             VALUES (?, ?, ?, 'waitpoint.opened', ?, ?, 'pending', ?, ?, ?)`,
            newUuid(), endpoint.id, w.workspaceId, w.runId, body, w.now, w.now + DELIVERY_RETRY_WINDOW_MS, w.now,
          );
        }
        appendRunEventsSqlite(deps, w.runId, [waitpointOpenedEvent(waitpoint)], w.now);
        return { waitpoint, opened: true };
      });
      if (result.opened) deps.announceRunEvents(w.runId);
      return result.waitpoint;
    },

    async getWaitpoint(workspaceId, waitpointId) {
      const row = one('SELECT * FROM waitpoints WHERE id = ? AND workspace_id = ?', waitpointId, workspaceId);
      return row ? toWaitpoint(row) : null;
    },

    async findWaitpointById(waitpointId) {
      const row = one('SELECT * FROM waitpoints WHERE id = ?', waitpointId);
      return row ? toWaitpoint(row) : null;
    },

    async listWaitpoints(workspaceId, filter, page) {
      const where = ['workspace_id = ?'];
      const params: unknown[] = [workspaceId];
      const add = (column: string, value: unknown) => {
        where.push(`${column} = ?`);
        params.push(value);
      };
      if (filter.status) add('status', filter.status);
      if (filter.kind) add('kind', filter.kind);
      if (filter.workflowId) add('workflow_id', filter.workflowId);
      const clause = where.join(' AND ');
      const total = Number(one(`SELECT count(*) AS n FROM waitpoints WHERE ${clause}`, ...params)!.n);
      const items = all(
        `SELECT * FROM waitpoints WHERE ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
        ...params, page.limit, (page.page - 1) * page.limit,
      ).map(toWaitpoint);
      return { items, total };
    },

    async listRunWaitpoints(workspaceId, runId) {
      return all('SELECT * FROM waitpoints WHERE run_id = ? AND workspace_id = ? ORDER BY created_at, id', runId, workspaceId).map(toWaitpoint);
    },

    async countRunsAtOpenWaitpoints(workspaceId) {
      return Number(one("SELECT count(DISTINCT run_id) AS n FROM waitpoints WHERE workspace_id = ? AND status = 'OPEN'", workspaceId)!.n);
    },

    async completeWaitpoint(c) {
      const result = await writes.submit(() => {
        const row = one(
          `UPDATE waitpoints SET status = ?, decision = ?, data = ?, completed_by = ?, completed_at = ?
           WHERE id = ? AND workspace_id = ? AND status = 'OPEN' RETURNING *`,
          c.status, c.decision, toJson(c.data), c.by, c.now, c.waitpointId, c.workspaceId,
        );
        if (!row) {
          const current = one('SELECT * FROM waitpoints WHERE id = ? AND workspace_id = ?', c.waitpointId, c.workspaceId);
          return current ? { kind: 'not_open' as const, waitpoint: toWaitpoint(current) } : { kind: 'not_found' as const };
        }
        const waitpoint = toWaitpoint(row);
        // The run wakes in the same transaction: free and waiting → due now; held → its release is due now.
        const woken = one(
          `UPDATE runs SET
             lease_expires_at = CASE WHEN lease_owner IS NULL THEN min(lease_expires_at, ?) ELSE lease_expires_at END,
             wake_requested = CASE WHEN lease_owner IS NULL THEN 0 ELSE 1 END
           WHERE id = ? AND status IN ('STARTING', 'RUNNING') RETURNING lease_owner`,
          c.now, waitpoint.runId,
        );
        appendRunEventsSqlite(deps, waitpoint.runId, [waitpointCompletedEvent(waitpoint)], c.now);
        return { kind: 'completed' as const, waitpoint, due: woken !== undefined && woken.lease_owner === null };
      });
      if (result.kind !== 'completed') return result;
      deps.announceRunEvents(result.waitpoint.runId);
      if (result.due) deps.notifyQueued();
      return { kind: 'completed', waitpoint: result.waitpoint };
    },

    async listOpenEventWaitpoints(workspaceId, event) {
      return all(
        `SELECT * FROM waitpoints WHERE workspace_id = ? AND event = ? AND status = 'OPEN' AND kind = 'event' ORDER BY created_at, id`,
        workspaceId, event,
      ).map(toWaitpoint);
    },

    async recordEventId(workspaceId, eventId, now, windowMs) {
      const row = await writes.submit(() => one(
        `INSERT INTO waitpoint_event_ids (workspace_id, event_id, created_at) VALUES (?, ?, ?)
         ON CONFLICT (workspace_id, event_id) DO UPDATE SET created_at = excluded.created_at
           WHERE waitpoint_event_ids.created_at <= ?
         RETURNING 1 AS fresh`,
        workspaceId, eventId, now, now - windowMs,
      ));
      return row !== undefined;
    },

    async forgetEventIds(recordedBefore, limit) {
      return writes.submit(() => run(
        `DELETE FROM waitpoint_event_ids WHERE rowid IN (SELECT rowid FROM waitpoint_event_ids WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
        recordedBefore, limit,
      ).changes);
    },

    async markWaitpointNotified(waitpointId, now, error) {
      await writes.submit(() => run('UPDATE waitpoints SET notified_at = ?, notify_error = ? WHERE id = ?', now, error, waitpointId));
    },
  };
}

/** Inside finishRun's transaction: the finished run's OPEN waitpoints end with it. */
export function closeRunWaitpointsSqlite(deps: Pick<SqliteDeps, 'run'>, runId: string, errorCode: string | null | undefined, now: number): void {
  deps.run(`UPDATE waitpoints SET status = ?, completed_at = ? WHERE run_id = ? AND status = 'OPEN'`, closeRunWaitpointsStatus(errorCode), now, runId);
}
