import type pg from 'pg';
import { DELIVERY_RETRY_WINDOW_MS } from '../webhook-rows.js';
import { type Row, toJson } from '../rows.js';
import { closeRunWaitpointsStatus, toWaitpoint, waitpointCompletedEvent, waitpointOpenedEvent } from '../waitpoint-rows.js';
import type { Waitpoint, WaitpointStore } from '../waitpoint-store.js';
import type { PostgresDeps } from './postgres-deps.js';
import { appendRunEventsPg } from './postgres-events.js';
import { RUNS_QUEUED_CHANNEL } from './queued-listener.js';

/**
 * Waitpoints of the PostgreSQL store (SPEC §7). A completion is one guarded UPDATE
 * (`status = 'OPEN'`): under READ COMMITTED a second completer waits for the first's row
 * lock, re-checks the guard and updates nothing, so exactly one wins across processes.
 */
export function createPostgresWaitpoints(deps: PostgresDeps): WaitpointStore {
  const { query, one, transaction } = deps;

  return {
    async openWaitpoint(w, webhookBody) {
      const result = await transaction(async (client): Promise<{ waitpoint: Waitpoint; opened: boolean }> => {
        const [inserted] = (await client.query(
          `INSERT INTO waitpoints (id, workspace_id, run_id, workflow_id, step_id, open_key, kind, status, prompt, fields, event, match, match_scope, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'OPEN', $8, $9, $10, $11, $12, $13, $14)
           ON CONFLICT (open_key) DO NOTHING RETURNING *`,
          [w.id, w.workspaceId, w.runId, w.workflowId, w.stepId, w.openKey, w.kind, w.prompt, toJson(w.fields), w.event, w.match, toJson(w.matchScope), w.now, w.expiresAt],
        )).rows as Row[];
        if (!inserted) {
          const [existing] = (await client.query('SELECT * FROM waitpoints WHERE open_key = $1', [w.openKey])).rows as Row[];
          return { waitpoint: toWaitpoint(existing!), opened: false };
        }
        const waitpoint = toWaitpoint(inserted);
        const endpoints = (await client.query(
          `SELECT id FROM webhook_endpoints WHERE workspace_id = $1 AND (workflow_id IS NULL OR workflow_id = $2) AND events::jsonb ? 'waitpoint.opened'`,
          [w.workspaceId, w.workflowId],
        )).rows as Row[];
        if (endpoints.length > 0) {
          await client.query(
            `INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, event, run_id, payload, status, next_attempt_at, give_up_at, created_at)
             SELECT gen_random_uuid()::text, e, $1, 'waitpoint.opened', $2, $3, 'pending', $4, $5, $4 FROM unnest($6::text[]) AS e`,
            [w.workspaceId, w.runId, webhookBody(waitpoint), w.now, w.now + DELIVERY_RETRY_WINDOW_MS, endpoints.map((e) => e.id)],
          );
        }
        await appendRunEventsPg(client, w.runId, [waitpointOpenedEvent(waitpoint)], w.now);
        return { waitpoint, opened: true };
      });
      if (result.opened) deps.announceRunEvents(w.runId);
      return result.waitpoint;
    },

    async getWaitpoint(workspaceId, waitpointId) {
      const row = await one('SELECT * FROM waitpoints WHERE id = $1 AND workspace_id = $2', [waitpointId, workspaceId]);
      return row ? toWaitpoint(row) : null;
    },

    async findWaitpointById(waitpointId) {
      const row = await one('SELECT * FROM waitpoints WHERE id = $1', [waitpointId]);
      return row ? toWaitpoint(row) : null;
    },

    async listWaitpoints(workspaceId, filter, page) {
      const where = ['workspace_id = $1'];
      const params: unknown[] = [workspaceId];
      const add = (column: string, value: unknown) => {
        params.push(value);
        where.push(`${column} = $${params.length}`);
      };
      if (filter.status) add('status', filter.status);
      if (filter.kind) add('kind', filter.kind);
      if (filter.workflowId) add('workflow_id', filter.workflowId);
      const clause = where.join(' AND ');
      const total = Number((await one(`SELECT count(*) AS n FROM waitpoints WHERE ${clause}`, params))!.n);
      const items = (await query(
        `SELECT * FROM waitpoints WHERE ${clause} ORDER BY created_at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, page.limit, (page.page - 1) * page.limit],
      )).map(toWaitpoint);
      return { items, total };
    },

    async listRunWaitpoints(workspaceId, runId) {
      return (await query('SELECT * FROM waitpoints WHERE run_id = $1 AND workspace_id = $2 ORDER BY created_at, id', [runId, workspaceId])).map(toWaitpoint);
    },

    async countRunsAtOpenWaitpoints(workspaceId) {
      return Number((await one("SELECT count(DISTINCT run_id) AS n FROM waitpoints WHERE workspace_id = $1 AND status = 'OPEN'", [workspaceId]))!.n);
    },

    async completeWaitpoint(c) {
      const result = await transaction(async (client) => {
        const [row] = (await client.query(
          `UPDATE waitpoints SET status = $1, decision = $2, data = $3, completed_by = $4, completed_at = $5
           WHERE id = $6 AND workspace_id = $7 AND status = 'OPEN' RETURNING *`,
          [c.status, c.decision, toJson(c.data), c.by, c.now, c.waitpointId, c.workspaceId],
        )).rows as Row[];
        if (!row) {
          const [current] = (await client.query('SELECT * FROM waitpoints WHERE id = $1 AND workspace_id = $2', [c.waitpointId, c.workspaceId])).rows as Row[];
          return current ? { kind: 'not_open' as const, waitpoint: toWaitpoint(current) } : { kind: 'not_found' as const };
        }
        const waitpoint = toWaitpoint(row);
        const due = await wakeRunIn(client, waitpoint.runId, c.now);
        await appendRunEventsPg(client, waitpoint.runId, [waitpointCompletedEvent(waitpoint)], c.now);
        return { kind: 'completed' as const, waitpoint, due };
      });
      if (result.kind !== 'completed') return result;
      deps.announceRunEvents(result.waitpoint.runId);
      if (result.due) {
        await query('SELECT pg_notify($1, $2)', [RUNS_QUEUED_CHANNEL, '']).catch(() => undefined);
        deps.notifyQueued();
      }
      return { kind: 'completed', waitpoint: result.waitpoint };
    },

    async listOpenEventWaitpoints(workspaceId, event) {
      return (await query(
        `SELECT * FROM waitpoints WHERE workspace_id = $1 AND event = $2 AND status = 'OPEN' AND kind = 'event' ORDER BY created_at, id`,
        [workspaceId, event],
      )).map(toWaitpoint);
    },

    async recordEventId(workspaceId, eventId, now, windowMs) {
      const row = await one(
        `INSERT INTO waitpoint_event_ids (workspace_id, event_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (workspace_id, event_id) DO UPDATE SET created_at = excluded.created_at
           WHERE waitpoint_event_ids.created_at <= $4
         RETURNING 1 AS fresh`,
        [workspaceId, eventId, now, now - windowMs],
      );
      return row !== undefined;
    },

    async forgetEventIds(recordedBefore, limit) {
      const rows = await query(
        `DELETE FROM waitpoint_event_ids WHERE ctid IN (SELECT ctid FROM waitpoint_event_ids WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING 1`,
        [recordedBefore, limit],
      );
      return rows.length;
    },

    async markWaitpointNotified(waitpointId, now, error) {
      await query('UPDATE waitpoints SET notified_at = $1, notify_error = $2 WHERE id = $3', [now, error, waitpointId]);
    },
  };
}

/** Makes a waiting run due inside the caller's transaction (as wakeRun does); true when it is free and due now. */
async function wakeRunIn(client: pg.PoolClient, runId: string, now: number): Promise<boolean> {
  const [row] = (await client.query(
    `UPDATE runs SET
       lease_expires_at = CASE WHEN lease_owner IS NULL THEN least(lease_expires_at, $1::bigint) ELSE lease_expires_at END,
       wake_requested = CASE WHEN lease_owner IS NULL THEN 0 ELSE 1 END
     WHERE id = $2 AND status IN ('STARTING', 'RUNNING') RETURNING lease_owner`,
    [now, runId],
  )).rows as Row[];
  return row !== undefined && row.lease_owner === null;
}

/** Inside finishRun's transaction: the finished run's OPEN waitpoints end with it. */
export async function closeRunWaitpointsPg(client: pg.PoolClient, runId: string, errorCode: string | null | undefined, now: number): Promise<void> {
  await client.query(`UPDATE waitpoints SET status = $1, completed_at = $2 WHERE run_id = $3 AND status = 'OPEN'`, [closeRunWaitpointsStatus(errorCode), now, runId]);
}
