import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Clock } from '../core/clock.js';
import { toIso } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { newUuid } from '../core/ids.js';
import { WEBHOOK_TEST_EVENT, type WebhookEvent } from '../core/webhook-events.js';
import { hostOf, isPrivateAddress } from '../steps/address-guard.js';
import { sealWebhookSecret } from './webhook-signing-secret.js';
import type { Store } from '../store/store.js';
import type { WebhookDelivery, WebhookEndpoint } from '../store/webhook-store.js';

export interface NewWebhookRequest {
  workspaceId: number;
  url: string;
  events: WebhookEvent[];
  workflowId?: string;
  description?: string;
}

/**
 * Webhook endpoints of a workspace and their delivery log (SPEC §10). Deliveries of run
 * outcomes are recorded by the store with the status change; a test event or a redeliver
 * only queues a delivery, which the dispatcher of a process with workers sends.
 */
export function createWebhooksService(deps: {
  store: Store;
  clock: Clock;
  allowPrivate: boolean;
  /** The §13 key the signing secrets are sealed with (null: kept in clear). */
  key: Buffer | null;
  onQueued?: () => void;
}) {
  const { store, clock } = deps;

  /** http(s) only, and through the http step's address guard (names are resolved now). */
  async function checkUrl(raw: string): Promise<URL> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw invalidUrl('is not an absolute URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidUrl('must be http or https');
    if (url.username || url.password) throw invalidUrl('must not carry credentials');
    if (deps.allowPrivate) return url;
    const host = hostOf(url);
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
    } catch {
      throw invalidUrl(`host ${host} does not resolve`);
    }
    const blocked = addresses.find(isPrivateAddress);
    if (blocked) throw invalidUrl(`${host} resolves to ${blocked}: private, loopback and link-local addresses are blocked (SLIPWAY_HTTP_ALLOW_PRIVATE)`);
    return url;
  }

  async function getWebhook(workspaceId: number, webhookId: string): Promise<WebhookEndpoint> {
    const found = await store.getWebhook(workspaceId, webhookId);
    if (!found) throw new AppError('not_found', `No webhook "${webhookId}" in this workspace.`);
    return found;
  }

  return {
    async createWebhook(request: NewWebhookRequest): Promise<WebhookEndpoint> {
      const url = await checkUrl(request.url);
      if (request.workflowId !== undefined && !(await store.getWorkflow(request.workspaceId, request.workflowId))) {
        throw new AppError('invalid_request', 'The webhook names a workflow that does not exist.', {
          details: [{ path: 'body.workflow_id', message: `no workflow "${request.workflowId}" in this workspace` }],
        });
      }
      const endpoint: WebhookEndpoint = {
        id: newUuid(),
        workspaceId: request.workspaceId,
        url: url.toString(),
        events: [...new Set(request.events)],
        workflowId: request.workflowId ?? null,
        description: request.description ?? '',
        secret: `whsec_${randomBytes(24).toString('base64')}`,
        createdAt: clock.now(),
      };
      await store.createWebhook({ ...endpoint, secret: sealWebhookSecret(deps.key, endpoint.workspaceId, endpoint.id, endpoint.secret) });
      return endpoint;
    },

    listWebhooks: (workspaceId: number) => store.listWebhooks(workspaceId),
    getWebhook,

    async deleteWebhook(workspaceId: number, webhookId: string): Promise<void> {
      if (!(await store.deleteWebhook(workspaceId, webhookId))) throw new AppError('not_found', `No webhook "${webhookId}" in this workspace.`);
    },

    /** Queues a `webhook.test` event to the endpoint. */
    async sendTest(workspaceId: number, webhookId: string): Promise<WebhookDelivery> {
      const endpoint = await getWebhook(workspaceId, webhookId);
      const now = clock.now();
      const id = newUuid();
      const payload = JSON.stringify({ type: WEBHOOK_TEST_EVENT, timestamp: toIso(now), data: { webhook_id: endpoint.id, delivery_id: id } });
      const delivery = await store.recordDelivery({ id, endpointId: endpoint.id, workspaceId, event: WEBHOOK_TEST_EVENT, runId: null, payload, now });
      deps.onQueued?.();
      return delivery;
    },

    async listDeliveries(workspaceId: number, webhookId: string, page: { page: number; limit: number }) {
      await getWebhook(workspaceId, webhookId);
      return store.listDeliveries(workspaceId, webhookId, page);
    },

    /** Sends a delivered or failed delivery again (same `webhook-id`); 409 while it is pending. */
    async redeliver(workspaceId: number, webhookId: string, deliveryId: string): Promise<WebhookDelivery> {
      const result = await store.redeliver(workspaceId, webhookId, deliveryId, clock.now());
      switch (result.kind) {
        case 'not_found':
          throw new AppError('not_found', `No delivery "${deliveryId}" of webhook "${webhookId}" in this workspace.`);
        case 'pending':
          throw new AppError('delivery_pending', 'The delivery is still pending; it is sent again on its own.');
        case 'requeued':
          deps.onQueued?.();
          return result.delivery;
      }
    },
  };
}

function invalidUrl(message: string): AppError {
  return new AppError('invalid_request', `The webhook URL ${message}.`, { details: [{ path: 'body.url', message }] });
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
