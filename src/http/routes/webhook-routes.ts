import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  CreatedWebhookSchema,
  CreateWebhookBody,
  DeliveryAcceptedResponse,
  DeliveryIdParams,
  ListDeliveriesResponse,
  ListWebhooksResponse,
  PageQuery,
  WebhookIdParams,
  WebhookSchema,
} from '../../api/webhook-schemas.js';
import type { WebhooksService } from '../../service/webhooks-service.js';
import { toDeliveryResponse, toWebhookResponse } from '../webhook-presenters.js';
import { errorResponses } from './responses.js';

/** SPEC §10: webhook endpoints, their deliveries log, test events and redelivery. */
export function registerWebhookRoutes(app: FastifyInstance, deps: { webhooks: WebhooksService }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['webhooks'];

  api.post('/webhooks', {
    schema: {
      operationId: 'createWebhook',
      summary: 'Create a webhook endpoint',
      description: 'Answers the signing secret (`whsec_…`) once; it is never shown again. Deliveries are signed per Standard Webhooks.',
      tags, body: CreateWebhookBody,
      response: { 201: CreatedWebhookSchema, ...errorResponses(400, 413, 415) },
    },
  }, async (request, reply) => {
    const endpoint = await deps.webhooks.createWebhook({
      workspaceId: request.caller.workspaceId,
      url: request.body.url,
      events: request.body.events,
      workflowId: request.body.workflow_id,
      description: request.body.description,
    });
    return reply.status(201).send({ ...toWebhookResponse(endpoint), secret: endpoint.secret });
  });

  api.get('/webhooks', {
    schema: { operationId: 'listWebhooks', summary: 'List webhook endpoints', tags, response: { 200: ListWebhooksResponse, ...errorResponses() } },
  }, async (request) => ({ data: (await deps.webhooks.listWebhooks(request.caller.workspaceId)).map(toWebhookResponse) }));

  api.get('/webhooks/:webhookId', {
    schema: { operationId: 'getWebhook', summary: 'Get a webhook endpoint', tags, params: WebhookIdParams, response: { 200: WebhookSchema, ...errorResponses(404) } },
  }, async (request) => toWebhookResponse(await deps.webhooks.getWebhook(request.caller.workspaceId, request.params.webhookId)));

  api.delete('/webhooks/:webhookId', {
    schema: {
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook endpoint',
      description: 'Its pending deliveries are dropped and never sent.',
      tags, params: WebhookIdParams, response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses(404) },
    },
  }, async (request, reply) => {
    await deps.webhooks.deleteWebhook(request.caller.workspaceId, request.params.webhookId);
    return reply.status(204).send();
  });

  api.post('/webhooks/:webhookId/test', {
    schema: {
      operationId: 'testWebhook',
      summary: 'Send a test event',
      description: 'Queues a `webhook.test` delivery to the endpoint; a process with workers sends it.',
      tags, params: WebhookIdParams, response: { 202: DeliveryAcceptedResponse, ...errorResponses(404) },
    },
  }, async (request, reply) => {
    const delivery = await deps.webhooks.sendTest(request.caller.workspaceId, request.params.webhookId);
    return reply.status(202).send({ delivery_id: delivery.id, status: delivery.status });
  });

  api.get('/webhooks/:webhookId/deliveries', {
    schema: {
      operationId: 'listWebhookDeliveries',
      summary: 'List the deliveries of a webhook endpoint',
      tags, params: WebhookIdParams, querystring: PageQuery, response: { 200: ListDeliveriesResponse, ...errorResponses(400, 404) },
    },
  }, async (request) => {
    const page = request.query.page ?? 1;
    const limit = request.query.limit ?? 15;
    const { items, total } = await deps.webhooks.listDeliveries(request.caller.workspaceId, request.params.webhookId, { page, limit });
    return { data: items.map(toDeliveryResponse), pagination: { page, limit, total, totalPages: Math.ceil(total / limit) } };
  });

  api.post('/webhooks/:webhookId/deliveries/:deliveryId/redeliver', {
    schema: {
      operationId: 'redeliverWebhookDelivery',
      summary: 'Send a delivery again',
      description: 'Re-queues a delivered or failed delivery with the same `webhook-id`; 409 `delivery_pending` while it is pending.',
      tags, params: DeliveryIdParams, response: { 202: DeliveryAcceptedResponse, ...errorResponses(404, 409) },
    },
  }, async (request, reply) => {
    const delivery = await deps.webhooks.redeliver(request.caller.workspaceId, request.params.webhookId, request.params.deliveryId);
    return reply.status(202).send({ delivery_id: delivery.id, status: delivery.status });
  });
}
