import { newUuid } from '../../core/ids.js';
import type { WebhookEvent } from '../../core/webhook-events.js';
import type { ClaimedDelivery, WebhookStore } from '../webhook-store.js';
import { DELIVERY_RETRY_WINDOW_MS, toDelivery, toEndpoint } from '../webhook-rows.js';
import type { SqliteDeps } from './sqlite-deps.js';

/** The webhook endpoints and the delivery outbox of the SQLite store. */
export function createSqliteWebhooks(deps: SqliteDeps): WebhookStore {
  const { one, all, run } = deps;
  const submit = <T>(work: () => T): Promise<T> => deps.writes.submit(work);

  return {
    async createWebhook(e) {
      await submit(() => run(
        `INSERT INTO webhook_endpoints (id, workspace_id, url, events, workflow_id, description, secret, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        e.id, e.workspaceId, e.url, JSON.stringify(e.events), e.workflowId, e.description, e.secret, e.createdAt,
      ));
    },

    async listWebhooks(workspaceId) {
      return all('SELECT * FROM webhook_endpoints WHERE workspace_id = ? ORDER BY created_at DESC, id DESC', workspaceId).map(toEndpoint);
    },

    async listAllWebhooks() {
      return all('SELECT * FROM webhook_endpoints ORDER BY workspace_id, id').map(toEndpoint);
    },

    async resealWebhookSecret(webhookId, stored) {
      return submit(() => run('UPDATE webhook_endpoints SET secret = ? WHERE id = ?', stored, webhookId).changes === 1);
    },

    async getWebhook(workspaceId, webhookId) {
      const row = one('SELECT * FROM webhook_endpoints WHERE id = ? AND workspace_id = ?', webhookId, workspaceId);
      return row ? toEndpoint(row) : null;
    },

    async deleteWebhook(workspaceId, webhookId) {
      return submit(() => {
        run('DELETE FROM webhook_deliveries WHERE endpoint_id = ? AND workspace_id = ?', webhookId, workspaceId);
        return run('DELETE FROM webhook_endpoints WHERE id = ? AND workspace_id = ?', webhookId, workspaceId).changes === 1;
      });
    },

    async recordDelivery(d) {
      const row = await submit(() => one(
        `INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, event, run_id, payload, status, next_attempt_at, give_up_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) RETURNING *`,
        d.id, d.endpointId, d.workspaceId, d.event, d.runId, d.payload, d.now, d.now + DELIVERY_RETRY_WINDOW_MS, d.now,
      ));
      return toDelivery(row!);
    },

    async listDeliveries(workspaceId, webhookId, page) {
      const total = Number(one('SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = ? AND workspace_id = ?', webhookId, workspaceId)!.n);
      const items = all(
        `SELECT * FROM webhook_deliveries WHERE endpoint_id = ? AND workspace_id = ?
         ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
        webhookId, workspaceId, page.limit, (page.page - 1) * page.limit,
      ).map(toDelivery);
      return { items, total };
    },

    async redeliver(workspaceId, webhookId, deliveryId, now) {
      return submit(() => {
        const found = one('SELECT * FROM webhook_deliveries WHERE id = ? AND endpoint_id = ? AND workspace_id = ?', deliveryId, webhookId, workspaceId);
        if (!found) return { kind: 'not_found' as const };
        if (found.status === 'pending') return { kind: 'pending' as const, delivery: toDelivery(found) };
        // Delivered or failed: pending again from now, with a fresh day of retries.
        const row = one(
          `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, give_up_at = ?, delivered_at = NULL,
             lease_owner = NULL, lease_expires_at = NULL WHERE id = ? RETURNING *`,
          now, now + DELIVERY_RETRY_WINDOW_MS, deliveryId,
        )!;
        return { kind: 'requeued' as const, delivery: toDelivery(row) };
      });
    },

    async claimDueDeliveries({ workerId, limit, leaseMs, now }) {
      if (limit <= 0) return [];
      return submit(() => {
        const rows = all(
          `UPDATE webhook_deliveries SET lease_owner = ?, lease_expires_at = ?
           WHERE id IN (SELECT id FROM webhook_deliveries
                        WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_expires_at IS NULL OR lease_expires_at <= ?)
                        ORDER BY next_attempt_at LIMIT ?)
           RETURNING *`,
          workerId, now + leaseMs, now, now, limit,
        );
        return rows.map((row): ClaimedDelivery => {
          const endpoint = one('SELECT url, secret FROM webhook_endpoints WHERE id = ?', row.endpoint_id)!;
          return { ...toDelivery(row), url: String(endpoint.url), secret: String(endpoint.secret) };
        });
      });
    },

    async freezeDeliveryPayload(deliveryId, workerId, payload) {
      return submit(() => run(
        `UPDATE webhook_deliveries SET payload = ? WHERE id = ? AND lease_owner = ? AND payload IS NULL`,
        payload, deliveryId, workerId,
      ).changes === 1);
    },

    async recordDeliveryAttempt({ deliveryId, workerId, outcome, statusCode, error, now }) {
      const status = outcome.kind === 'retry' ? 'pending' : outcome.kind;
      const nextAttemptAt = outcome.kind === 'retry' ? outcome.nextAttemptAt : now;
      return submit(() => run(
        `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_status_code = ?, last_error = ?,
           next_attempt_at = ?, delivered_at = ?, lease_owner = NULL, lease_expires_at = NULL
         WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
        status, statusCode, error, nextAttemptAt, outcome.kind === 'delivered' ? now : null, deliveryId, workerId,
      ).changes === 1);
    },
  };
}

/**
 * Records the deliveries a run's new terminal status owes its workspace's endpoints. Called
 * inside the run write's own transaction, so the status change and its deliveries commit
 * together (the outbox); the body is frozen at the first attempt (docs/DECISIONS.md, issue 14).
 */
export function recordRunDeliveriesSync(deps: Pick<SqliteDeps, 'all' | 'run'>, run: { id: string; workspaceId: number; workflowId: string }, event: WebhookEvent, now: number): number {
  const endpoints = deps.all(
    `SELECT id FROM webhook_endpoints WHERE workspace_id = ? AND (workflow_id IS NULL OR workflow_id = ?)
       AND EXISTS (SELECT 1 FROM json_each(webhook_endpoints.events) WHERE value = ?)`,
    run.workspaceId, run.workflowId, event,
  );
  for (const endpoint of endpoints) {
    deps.run(
      `INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, event, run_id, payload, status, next_attempt_at, give_up_at, created_at)
       VALUES (?, ?, ?, ?, ?, NULL, 'pending', ?, ?, ?)`,
      newUuid(), endpoint.id, run.workspaceId, event, run.id, now, now + DELIVERY_RETRY_WINDOW_MS, now,
    );
  }
  return endpoints.length;
}
