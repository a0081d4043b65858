import type * as Wire from '../api/webhook-schemas.js';
import { toIso, toIsoOrNull } from '../core/clock.js';
import type { WebhookDelivery, WebhookEndpoint } from '../store/webhook-store.js';

/** Webhook records to wire objects (snake_case, SPEC §10); the secret only ever at creation. */

export function toWebhookResponse(endpoint: WebhookEndpoint): Wire.Webhook {
  return {
    webhook_id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    workflow_id: endpoint.workflowId,
    description: endpoint.description,
    created_at: toIso(endpoint.createdAt),
  };
}

export function toDeliveryResponse(d: WebhookDelivery): Wire.WebhookDelivery {
  return {
    delivery_id: d.id,
    event: d.event,
    run_id: d.runId,
    status: d.status,
    attempts: d.attempts,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    next_attempt_at: d.status === 'pending' ? toIso(d.nextAttemptAt) : null,
    created_at: toIso(d.createdAt),
    delivered_at: toIsoOrNull(d.deliveredAt),
  };
}
