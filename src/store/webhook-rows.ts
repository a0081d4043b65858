import type { WebhookEvent } from '../core/webhook-events.js';
import type { WebhookDelivery, WebhookEndpoint } from './webhook-store.js';

type Row = Record<string, unknown>;

/** A delivery not delivered this long after it was recorded (or redelivered) is given up (SPEC §10). */
export const DELIVERY_RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The longest wait between two attempts of one delivery; the first wait is SLIPWAY_WEBHOOK_BACKOFF. */
export const DELIVERY_MAX_BACKOFF_MS = 60 * 60 * 1000;

/** Row → record for both dialects (PostgreSQL hands json columns over parsed, bigints as strings). */
export function toEndpoint(row: Row): WebhookEndpoint {
  return {
    id: String(row.id),
    workspaceId: Number(row.workspace_id),
    url: String(row.url),
    events: (typeof row.events === 'string' ? JSON.parse(row.events) : row.events) as WebhookEvent[],
    workflowId: row.workflow_id === null ? null : String(row.workflow_id),
    description: String(row.description),
    secret: String(row.secret),
    createdAt: Number(row.created_at),
  };
}

export function toDelivery(row: Row): WebhookDelivery {
  return {
    id: String(row.id),
    endpointId: String(row.endpoint_id),
    workspaceId: Number(row.workspace_id),
    event: String(row.event),
    runId: row.run_id === null ? null : String(row.run_id),
    payload: row.payload === null ? null : String(row.payload),
    status: row.status as WebhookDelivery['status'],
    attempts: Number(row.attempts),
    lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
    lastError: row.last_error === null ? null : String(row.last_error),
    nextAttemptAt: Number(row.next_attempt_at),
    giveUpAt: Number(row.give_up_at),
    createdAt: Number(row.created_at),
    deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
  };
}

/** The columns of a run row that its deliveries need. */
export function runRef(row: Row): { id: string; workspaceId: number; workflowId: string } {
  return { id: String(row.id), workspaceId: Number(row.workspace_id), workflowId: String(row.workflow_id) };
}
