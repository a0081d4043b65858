import { Type, type Static } from '@sinclair/typebox';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../core/webhook-events.js';

export { WEBHOOK_EVENTS, type WebhookEvent };
import { Pagination } from './schemas.js';

/** Wire schemas of the webhooks API (SPEC §10). */

export const WebhookEventSchema = Type.Union(WEBHOOK_EVENTS.map((e) => Type.Literal(e)));

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL that receives the POSTs; checked by the address guard' }),
    events: Type.Array(WebhookEventSchema, { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true }),
    workflow_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only events of this workflow\'s runs' })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const WebhookSchema = Type.Object(
  {
    webhook_id: Type.String(),
    url: Type.String(),
    events: Type.Array(WebhookEventSchema),
    workflow_id: Type.Union([Type.String(), Type.Null()]),
    description: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
  },
);
export type Webhook = Static<typeof WebhookSchema>;

export const CreatedWebhookSchema = Type.Composite(
  [WebhookSchema, Type.Object({ secret: Type.String({ description: 'Signing secret (whsec_…); shown only in this answer' }) })],
);
export type CreatedWebhook = Static<typeof CreatedWebhookSchema>;

export const ListWebhooksResponse = Type.Object({ data: Type.Array(WebhookSchema) });
export type ListWebhooksResponse = Static<typeof ListWebhooksResponse>;

export const DeliveryStatusSchema = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]);

export const WebhookDeliverySchema = Type.Object(
  {
    delivery_id: Type.String({ description: 'Also the webhook-id header of every attempt' }),
    event: Type.String(),
    run_id: Type.Union([Type.String(), Type.Null()]),
    status: DeliveryStatusSchema,
    attempts: Type.Integer(),
    last_status_code: Type.Union([Type.Integer(), Type.Null()]),
    last_error: Type.Union([Type.String(), Type.Null()]),
    next_attempt_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    created_at: Type.String({ format: 'date-time' }),
    delivered_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
);
export type WebhookDelivery = Static<typeof WebhookDeliverySchema>;

export const ListDeliveriesResponse = Type.Object({ data: Type.Array(WebhookDeliverySchema), pagination: Pagination });
export type ListDeliveriesResponse = Static<typeof ListDeliveriesResponse>;

// No length limit on path ids: an id of any length that names nothing is 404 (SPEC §1).
const WebhookId = Type.String({ description: 'The `id` of the webhook endpoint', examples: ['01943a5e-7b1c-7d2e-9f00-3c4b5a697887'] });
export const WebhookIdParams = Type.Object({ webhookId: WebhookId });
export const DeliveryIdParams = Type.Object({
  webhookId: WebhookId,
  deliveryId: Type.String({ description: 'The `id` of the delivery', examples: ['01943a5e-8c2d-7e3f-8a11-4d5c6b7a8f90'] }),
});
export const PageQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, default: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 15 })),
});

export const DeliveryAcceptedResponse = Type.Object({ delivery_id: Type.String(), status: DeliveryStatusSchema });
export type DeliveryAcceptedResponse = Static<typeof DeliveryAcceptedResponse>;
