import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  CancelRunResponse,
  CreateRunBody,
  CreateRunResponse,
  RunIdParams,
  RunSchema,
  WorkflowIdParams,
} from '../../api/schemas.js';
import { toIso } from '../../core/clock.js';
import type { RunsService } from '../../service/runs-service.js';
import { toCreateRunResponse, toRunResponse } from '../presenters.js';
import { errorResponses } from './responses.js';

export function registerRunRoutes(app: FastifyInstance, deps: { runs: RunsService }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post('/workflows/:workflowId/runs', {
    schema: {
      summary: 'Create a workflow run',
      description:
        'Queues a run of the workflow\'s published version. With `Idempotency-Key`, a repeated request with the same key and ' +
        'workflow returns the existing run (header `Idempotent-Replayed: true`) and creates nothing.',
      tags: ['runs'],
      params: WorkflowIdParams,
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String()) }),
      body: CreateRunBody,
      response: { 202: CreateRunResponse, ...errorResponses(400, 404, 409, 413, 415, 429) },
    },
  }, async (request, reply) => {
    const { run, replayed } = await deps.runs.createRun({
      workspaceId: request.caller.workspaceId,
      workflowId: request.params.workflowId,
      inputs: request.body.inputs,
      metadata: request.body.metadata,
      idempotencyKey: request.headers['idempotency-key'],
    });
    if (replayed) reply.header('Idempotent-Replayed', 'true');
    return reply.status(202).send(toCreateRunResponse(run));
  });

  api.get('/workflow-runs/:runId', {
    schema: {
      summary: 'Get a run\'s status',
      tags: ['runs'],
      params: RunIdParams,
      response: { 200: RunSchema, ...errorResponses(404) },
    },
  }, async (request) => toRunResponse(await deps.runs.getRun(request.caller.workspaceId, request.params.runId)));

  api.post('/workflow-runs/:runId/cancel', {
    schema: {
      summary: 'Cancel a queued run',
      description: 'Only a QUEUED run can be canceled; a canceled run never starts.',
      tags: ['runs'],
      params: RunIdParams,
      response: { 200: CancelRunResponse, ...errorResponses(404, 409) },
    },
  }, async (request) => {
    const run = await deps.runs.cancelRun(request.caller.workspaceId, request.params.runId);
    return { run_id: run.id, status: 'CANCELED' as const, completed_at: toIso(run.completedAt!) };
  });
}
