import type { DeliveryStatus, WebhookEvent } from '../core/webhook-events.js';

/** A subscriber of a workspace's events (SPEC §10). */
export interface WebhookEndpoint {
  id: string;
  workspaceId: number;
  url: string;
  events: WebhookEvent[];
  /** Only events of this workflow's runs; null: every workflow. */
  workflowId: string | null;
  description: string;
  /** `whsec_…`; kept to sign deliveries, shown by the API only at creation. */
  secret: string;
  createdAt: number;
}

/** One event to one endpoint: the outbox row, sent until delivered or given up. */
export interface WebhookDelivery {
  /** Also the `webhook-id` header, the same on every attempt. */
  id: string;
  endpointId: string;
  workspaceId: number;
  event: string;
  runId: string | null;
  /** The body every attempt sends; null until a run event's first attempt freezes it. */
  payload: string | null;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: number;
  /** Retries stop at this time: 24 h after it was recorded or redelivered. */
  giveUpAt: number;
  createdAt: number;
  deliveredAt: number | null;
}

/** A delivery leased to one dispatcher, with what it needs to send it. */
export interface ClaimedDelivery extends WebhookDelivery {
  url: string;
  secret: string;
}

export interface NewDelivery {
  id: string;
  endpointId: string;
  workspaceId: number;
  event: string;
  runId: string | null;
  payload: string;
  now: number;
}

/** How one attempt ended, as the dispatcher records it. */
export type DeliveryAttemptOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; nextAttemptAt: number }
  | { kind: 'failed' };

export interface DeliveryAttemptRecord {
  deliveryId: string;
  workerId: string;
  outcome: DeliveryAttemptOutcome;
  statusCode: number | null;
  error: string | null;
  now: number;
}

export type RedeliverResult =
  | { kind: 'requeued'; delivery: WebhookDelivery }
  | { kind: 'pending'; delivery: WebhookDelivery }
  | { kind: 'not_found' };

/**
 * Webhook endpoints and their delivery outbox. The `run.*` deliveries are not written
 * through this interface: each run write that ends a run records them in its own
 * transaction (the dialects' run files call their webhook file for it).
 */
export interface WebhookStore {
  createWebhook(endpoint: WebhookEndpoint): Promise<void>;
  listWebhooks(workspaceId: number): Promise<WebhookEndpoint[]>;
  getWebhook(workspaceId: number, webhookId: string): Promise<WebhookEndpoint | null>;
  /** Every endpoint of the database (`slipway secret reencrypt` re-seals their signing secrets). */
  listAllWebhooks(): Promise<WebhookEndpoint[]>;
  /** Replaces an endpoint's stored signing secret; false when unknown. */
  resealWebhookSecret(webhookId: string, stored: string): Promise<boolean>;
  /** Deletes the endpoint and its deliveries (pending ones are never sent); false when unknown. */
  deleteWebhook(workspaceId: number, webhookId: string): Promise<boolean>;
  /** Records one delivery now (test events; events recorded outside a run write). */
  recordDelivery(delivery: NewDelivery): Promise<WebhookDelivery>;
  listDeliveries(workspaceId: number, webhookId: string, page: { page: number; limit: number }): Promise<{ items: WebhookDelivery[]; total: number }>;
  /** A delivered or failed delivery becomes pending again, due now; a pending one answers `pending`. */
  redeliver(workspaceId: number, webhookId: string, deliveryId: string, now: number): Promise<RedeliverResult>;
  /** Leases up to `limit` due pending deliveries (SKIP LOCKED on PostgreSQL). */
  claimDueDeliveries(input: { workerId: string; limit: number; leaseMs: number; now: number }): Promise<ClaimedDelivery[]>;
  /** Stores the body of a delivery whose payload was still null; false when the lease is gone. */
  freezeDeliveryPayload(deliveryId: string, workerId: string, payload: string): Promise<boolean>;
  /** Records an attempt under the lease and releases it; false when the lease is gone. */
  recordDeliveryAttempt(record: DeliveryAttemptRecord): Promise<boolean>;
}
