import type { ClaimedDelivery, WebhookStore } from '../webhook-store.js';
import { DELIVERY_RETRY_WINDOW_MS, toDelivery, toEndpoint } from '../webhook-rows.js';
import type { PostgresDeps } from './postgres-deps.js';

/** The webhook endpoints and the delivery outbox of the PostgreSQL store. */
export function createPostgresWebhooks(deps: PostgresDeps): WebhookStore {
  const { query, one, transaction } = deps;

  return {
    async createWebhook(e) {
      await query(
        `INSERT INTO webhook_endpoints (id, workspace_id, url, events, workflow_id, description, secret, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [e.id, e.workspaceId, e.url, JSON.stringify(e.events), e.workflowId, e.description, e.secret, e.createdAt],
      );
    },

    async listWebhooks(workspaceId) {
      return (await query('SELECT * FROM webhook_endpoints WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC', [workspaceId])).map(toEndpoint);
    },

    async listAllWebhooks() {
      return (await query('SELECT * FROM webhook_endpoints ORDER BY workspace_id, id')).map(toEndpoint);
    },

    async resealWebhookSecret(webhookId, stored) {
      return (await query('UPDATE webhook_endpoints SET secret = $1 WHERE id = $2 RETURNING 1', [stored, webhookId])).length === 1;
    },

    async getWebhook(workspaceId, webhookId) {
      const row = await one('SELECT * FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2', [webhookId, workspaceId]);
      return row ? toEndpoint(row) : null;
    },

    async deleteWebhook(workspaceId, webhookId) {
      // The deliveries go with the endpoint (ON DELETE CASCADE); one leased right now finds
      // its row gone and records nothing.
      const rows = await query('DELETE FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2 RETURNING id', [webhookId, workspaceId]);
      return rows.length === 1;
    },

    async recordDelivery(d) {
      const row = await one(
        `INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, event, run_id, payload, status, next_attempt_at, give_up_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $7) RETURNING *`,
        [d.id, d.endpointId, d.workspaceId, d.event, d.runId, d.payload, d.now, d.now + DELIVERY_RETRY_WINDOW_MS],
      );
      return toDelivery(row!);
    },

    async listDeliveries(workspaceId, webhookId, page) {
      const total = Number((await one('SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND workspace_id = $2', [webhookId, workspaceId]))!.n);
      const items = (await query(
        `SELECT * FROM webhook_deliveries WHERE endpoint_id = $1 AND workspace_id = $2
         ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
        [webhookId, workspaceId, page.limit, (page.page - 1) * page.limit],
      )).map(toDelivery);
      return { items, total };
    },

    async redeliver(workspaceId, webhookId, deliveryId, now) {
      return transaction(async (client) => {
        const found = (await client.query(
          'SELECT * FROM webhook_deliveries WHERE id = $1 AND endpoint_id = $2 AND workspace_id = $3 FOR UPDATE',
          [deliveryId, webhookId, workspaceId],
        )).rows[0] as Record<string, unknown> | undefined;
        if (!found) return { kind: 'not_found' as const };
        if (found.status === 'pending') return { kind: 'pending' as const, delivery: toDelivery(found) };
        const row = (await client.query(
          `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1, give_up_at = $2, delivered_at = NULL,
             lease_owner = NULL, lease_expires_at = NULL WHERE id = $3 RETURNING *`,
          [now, now + DELIVERY_RETRY_WINDOW_MS, deliveryId],
        )).rows[0] as Record<string, unknown>;
        return { kind: 'requeued' as const, delivery: toDelivery(row) };
      });
    },

    async claimDueDeliveries({ workerId, limit, leaseMs, now }) {
      if (limit <= 0) return [];
      const rows = await query(
        `WITH due AS MATERIALIZED (
           SELECT id FROM webhook_deliveries
           WHERE status = 'pending' AND next_attempt_at <= $3 AND (lease_expires_at IS NULL OR lease_expires_at <= $3)
           ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED)
         UPDATE webhook_deliveries d SET lease_owner = $1, lease_expires_at = $2
         FROM due, webhook_endpoints e WHERE d.id = due.id AND e.id = d.endpoint_id
         RETURNING d.*, e.url AS endpoint_url, e.secret AS endpoint_secret`,
        [workerId, now + leaseMs, now, limit],
      );
      return rows.map((row): ClaimedDelivery => ({ ...toDelivery(row), url: String(row.endpoint_url), secret: String(row.endpoint_secret) }));
    },

    async freezeDeliveryPayload(deliveryId, workerId, payload) {
      const rows = await query(
        'UPDATE webhook_deliveries SET payload = $1 WHERE id = $2 AND lease_owner = $3 AND payload IS NULL RETURNING 1',
        [payload, deliveryId, workerId],
      );
      return rows.length === 1;
    },

    async recordDeliveryAttempt({ deliveryId, workerId, outcome, statusCode, error, now }) {
      const status = outcome.kind === 'retry' ? 'pending' : outcome.kind;
      const nextAttemptAt = outcome.kind === 'retry' ? outcome.nextAttemptAt : now;
      const rows = await query(
        `UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, last_status_code = $2, last_error = $3,
           next_attempt_at = $4, delivered_at = $5, lease_owner = NULL, lease_expires_at = NULL
         WHERE id = $6 AND lease_owner = $7 AND status = 'pending' RETURNING 1`,
        [status, statusCode, error, nextAttemptAt, outcome.kind === 'delivered' ? now : null, deliveryId, workerId],
      );
      return rows.length === 1;
    },
  };
}

/**
 * A CTE that records the deliveries a run's terminal status owes, for run writes that end a
 * run in one statement (the outbox: the status change and its deliveries commit together).
 * `done` must be the CTE of the updated run row (columns id, workspace_id, workflow_id);
 * `$event` and `$now` are the placeholders of the event name and the time.
 *
 * @example
 * `WITH done AS (UPDATE runs … RETURNING id, workspace_id, workflow_id), ${runDeliveriesCte('$7', '$8')} SELECT id FROM done`
 */
export function runDeliveriesCte(event: string, now: string): string {
  return `run_deliveries AS (
    INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, event, run_id, payload, status, next_attempt_at, give_up_at, created_at)
    SELECT gen_random_uuid()::text, e.id, done.workspace_id, ${event}::text, done.id, NULL, 'pending', ${now}::bigint, ${now}::bigint + ${DELIVERY_RETRY_WINDOW_MS}, ${now}::bigint
    FROM done JOIN webhook_endpoints e ON e.workspace_id = done.workspace_id
      AND (e.workflow_id IS NULL OR e.workflow_id = done.workflow_id)
      AND e.events::jsonb ? ${event}::text
    RETURNING 1)`;
}
