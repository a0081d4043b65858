/**
 * The events a webhook endpoint can subscribe to (SPEC §10). Adding one is one line here
 * plus the place that records it (the run write paths record the `run.*` events).
 */
export const WEBHOOK_EVENTS = ['run.completed', 'run.failed', 'run.canceled', 'waitpoint.opened'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The event a test delivery carries (`POST /webhooks/{id}/test`); not subscribable. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

/** The webhook event a run's terminal status produces, if any. */
export function runWebhookEvent(status: string): WebhookEvent | null {
  switch (status) {
    case 'COMPLETED':
      return 'run.completed';
    case 'FAILED':
      return 'run.failed';
    case 'CANCELED':
      return 'run.canceled';
    default:
      return null;
  }
}

export const DeliveryStatus = {
  PENDING: 'pending',
  DELIVERED: 'delivered',
  FAILED: 'failed',
} as const;
export type DeliveryStatus = (typeof DeliveryStatus)[keyof typeof DeliveryStatus];
