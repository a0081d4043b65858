import type {
  CreatedWebhook,
  CreateWebhookBody,
  DeliveryAcceptedResponse,
  ListDeliveriesResponse,
  ListWebhooksResponse,
  Webhook,
} from '../api/webhook-schemas.js';

/** How the client's topic files speak to the API (the client's own `request`). */
export type ClientRequest = <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ data: T; headers: Headers }>;

const at = (id: string) => encodeURIComponent(id);

/**
 * Webhook methods of the client (SPEC §10).
 * @example
 * const hook = await client.createWebhook({ url: 'https://example.com/hooks', events: ['run.completed'] });
 * // keep hook.secret to verify signatures; it is not shown again
 */
export function webhookMethods(request: ClientRequest) {
  return {
    async createWebhook(body: CreateWebhookBody): Promise<CreatedWebhook> {
      return (await request<CreatedWebhook>('POST', '/webhooks', body)).data;
    },
    async listWebhooks(): Promise<ListWebhooksResponse> {
      return (await request<ListWebhooksResponse>('GET', '/webhooks')).data;
    },
    async getWebhook(webhookId: string): Promise<Webhook> {
      return (await request<Webhook>('GET', `/webhooks/${at(webhookId)}`)).data;
    },
    async deleteWebhook(webhookId: string): Promise<void> {
      await request<null>('DELETE', `/webhooks/${at(webhookId)}`);
    },
    /** Queues a `webhook.test` event to the endpoint. */
    async testWebhook(webhookId: string): Promise<DeliveryAcceptedResponse> {
      return (await request<DeliveryAcceptedResponse>('POST', `/webhooks/${at(webhookId)}/test`)).data;
    },
    async listWebhookDeliveries(webhookId: string, page: { page?: number; limit?: number } = {}): Promise<ListDeliveriesResponse> {
      const qs = new URLSearchParams(Object.entries(page).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString();
      return (await request<ListDeliveriesResponse>('GET', `/webhooks/${at(webhookId)}/deliveries${qs ? `?${qs}` : ''}`)).data;
    },
    /** Sends a delivered or failed delivery again, with the same `webhook-id`. */
    async redeliverWebhookDelivery(webhookId: string, deliveryId: string): Promise<DeliveryAcceptedResponse> {
      return (await request<DeliveryAcceptedResponse>('POST', `/webhooks/${at(webhookId)}/deliveries/${at(deliveryId)}/redeliver`)).data;
    },
  };
}
