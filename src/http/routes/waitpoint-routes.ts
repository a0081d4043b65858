import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { RunIdParams } from '../../api/schemas.js';
import {
  CallbackResponse, CompleteWaitpointBody, ListWaitpointsQuery, ListWaitpointsResponse, RunWaitpointsResponse, SendEventBody, SendEventResponse,
  WaitpointCallbackParams, WaitpointIdParams, WaitpointSchema, type WaitpointResponse,
} from '../../api/waitpoint-schemas.js';
import { toIsoOrNull } from '../../core/clock.js';
import type { WaitpointsService, WaitpointView } from '../../service/waitpoints-service.js';
import { routeSchema } from '../route-schema.js';

const pagination = (page: number, limit: number, total: number) => ({ page, limit, total, totalPages: Math.ceil(total / limit) });

/** Waitpoints and events (SPEC §7), behind the bearer token. */
export function registerWaitpointRoutes(app: FastifyInstance, deps: { waitpoints: WaitpointsService }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { waitpoints } = deps;

  api.get('/waitpoints', routeSchema({
    operationId: 'listWaitpoints',
    summary: 'List waitpoints (the inbox)',
    description: 'Newest first; filter by `status`, `kind`, `workflow_id`.',
    tags: ['waitpoints'],
    querystring: ListWaitpointsQuery,
    response: { 200: ListWaitpointsResponse },
  }), async (request) => {
    const page = request.query.page ?? 1;
    const limit = request.query.limit ?? 15;
    const { items, total } = await waitpoints.list(request.caller.workspaceId, { status: request.query.status, kind: request.query.kind, workflowId: request.query.workflow_id }, { page, limit });
    return { data: items.map(toWaitpointResponse), pagination: pagination(page, limit, total) };
  });

  api.get('/waitpoints/:waitpointId', routeSchema({
    operationId: 'getWaitpoint',
    summary: 'Get a waitpoint',
    description: 'With `callback_url` for kind callback.',
    tags: ['waitpoints'],
    params: WaitpointIdParams,
    response: { 200: WaitpointSchema },
    errors: ['not_found'],
  }), async (request) => toWaitpointResponse(await waitpoints.get(request.caller.workspaceId, request.params.waitpointId)));

  api.get('/workflow-runs/:runId/waitpoints', routeSchema({
    operationId: 'listWorkflowRunWaitpoints',
    summary: "List a run's waitpoints",
    tags: ['waitpoints'],
    params: RunIdParams,
    response: { 200: RunWaitpointsResponse },
    errors: ['not_found'],
  }), async (request) => ({ data: (await waitpoints.listForRun(request.caller.workspaceId, request.params.runId)).map(toWaitpointResponse) }));

  api.post('/waitpoints/:waitpointId/complete', routeSchema({
    operationId: 'completeWaitpoint',
    summary: 'Complete a waitpoint',
    description: 'Approval: `{decision: "approved"|"rejected", data?}`, `data` checked against `fields` when approved (400 `invalid_inputs` with details). ' +
      'Callback, event: `{data}`. Not OPEN: 409 `waitpoint_not_open`. The run wakes in the same transaction.',
    tags: ['waitpoints'],
    params: WaitpointIdParams,
    body: CompleteWaitpointBody,
    response: { 200: WaitpointSchema },
    errors: ['not_found', 'invalid_inputs', 'waitpoint_not_open', 'unsupported_media_type', 'payload_too_large'],
  }), async (request) => toWaitpointResponse(await waitpoints.complete(request.caller.workspaceId, request.params.waitpointId, request.body ?? {}, { tokenId: request.caller.tokenId })));

  api.post('/events', routeSchema({
    operationId: 'sendEvent',
    summary: 'Send an event',
    description: 'Completes every OPEN `event` waitpoint of the workspace with that name whose `match` is true. ' +
      'The same `id` again within 24 h matches nothing and answers `Idempotent-Replayed: true`.',
    tags: ['waitpoints'],
    body: SendEventBody,
    response: { 202: SendEventResponse },
    responseHeaders: { 202: ['Idempotent-Replayed'] },
    errors: ['unsupported_media_type', 'payload_too_large'],
  }), async (request, reply) => {
    const sent = await waitpoints.sendEvent(request.caller.workspaceId, { ...request.body, data: request.body.data ?? null });
    if (sent.replayed) reply.header('Idempotent-Replayed', 'true');
    return reply.status(202).send({ event_id: sent.eventId, matched: sent.matched });
  });
}

/** The token-less callback (SPEC §7): registered outside the bearer-token hook. */
export function registerWaitpointCallbackRoute(app: FastifyInstance, deps: { waitpoints: WaitpointsService }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.post('/waitpoints/:waitpointId/callback/:secret', routeSchema({
    operationId: 'callbackWaitpoint',
    summary: 'Complete a callback waitpoint (no bearer token)',
    description: 'The secret in the URL is the credential (`callback_url` of the waitpoint). The JSON body becomes `data`. ' +
      'A wrong or malformed secret: 404. A repeat on a completed waitpoint: 200, nothing changes.',
    tags: ['waitpoints'],
    security: [],
    params: WaitpointCallbackParams,
    response: { 200: CallbackResponse },
    errors: ['not_found', 'unsupported_media_type', 'payload_too_large'],
  }), async (request) => {
    const done = await deps.waitpoints.callback(request.params.waitpointId, request.params.secret, request.body ?? null);
    return { waitpoint_id: done.waitpointId, status: done.status as WaitpointResponse['status'] };
  });
}

export function toWaitpointResponse(w: WaitpointView): WaitpointResponse {
  return {
    waitpoint_id: w.id,
    run_id: w.runId,
    workflow_id: w.workflowId,
    step_id: w.stepId,
    kind: w.kind,
    status: w.status,
    prompt: w.prompt,
    fields: w.fields as WaitpointResponse['fields'],
    event: w.event,
    created_at: new Date(w.createdAt).toISOString(),
    expires_at: toIsoOrNull(w.expiresAt),
    completed_at: toIsoOrNull(w.completedAt),
    decision: w.decision,
    data: w.data ?? null,
    completed_by: w.completedBy,
    approve_url: w.approveUrl,
    callback_url: w.callbackUrl,
    notify_error: w.notifyError,
  };
}
