import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CreateRunBatchBody, CreateRunBatchResponse } from '../../api/batch-schemas.js';
import { WorkflowIdParams } from '../../api/schemas.js';
import { assertNever } from '../../core/assert-never.js';
import type { BatchItemOutcome, BatchRunsService } from '../../service/batch-runs-service.js';
import { toCreateRunResponse, toDeletedRunResponse } from '../presenters.js';
import { Type } from '@sinclair/typebox';
import { TraceparentHeader } from '../../api/trace-schemas.js';
import { parseTraceparent } from '../../core/trace-context.js';
import { routeSchema } from '../route-schema.js';

/** A batch's body may be up to 10 MiB (SPEC §15); every other route keeps 1 MiB. */
export const BATCH_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

export function registerBatchRoutes(app: FastifyInstance, deps: { batchRuns: BatchRunsService }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post('/workflows/:workflowId/runs/batch', {
    bodyLimit: BATCH_BODY_LIMIT_BYTES,
    ...routeSchema({
      operationId: 'createWorkflowRunBatch',
      summary: 'Create up to 1,000 runs at once (Slipway extension)',
      description:
        'Each item is judged as `POST /workflows/{workflowId}/runs` would judge it, one by one in request order: ' +
        'the answer has one entry per item, the created run (with `replayed: true` when its `idempotency_key` named an existing run, ' +
        'or one earlier in the same batch) or `{error: {error, message, details?}}` with the code the single create would have answered. ' +
        'A refused item never refuses the others; the daily and concurrent limits count every accepted item exactly; ' +
        'each key creates at most one run. Problems of the whole request (not JSON, `runs` missing, 0 or over 1,000 items, ' +
        'unknown or unpublished workflow, body over 10 MiB) answer as the single create does. Runs record `trigger: {type: "batch"}`.',
      tags: ['runs'],
      params: WorkflowIdParams,
      headers: Type.Object({ traceparent: TraceparentHeader }),
      body: CreateRunBatchBody,
      response: { 200: CreateRunBatchResponse },
      errors: ['not_found', 'workflow_not_published', 'payload_too_large', 'unsupported_media_type'],
    }),
  }, async (request) => {
    const outcomes = await deps.batchRuns.createRuns({
      workspaceId: request.caller.workspaceId,
      workflowId: request.params.workflowId,
      runs: request.body.runs,
      traceParent: parseTraceparent(request.headers.traceparent),
    });
    return { data: outcomes.map(toBatchItem) };
  });
}

function toBatchItem(outcome: BatchItemOutcome) {
  switch (outcome.kind) {
    case 'created':
      return toCreateRunResponse(outcome.run);
    case 'replayed':
      return { ...toCreateRunResponse(outcome.run), replayed: true as const };
    case 'replayed_deleted':
      return { ...toDeletedRunResponse(outcome.deleted), replayed: true as const };
    case 'refused':
      return { error: { error: outcome.error.code, message: outcome.error.message, ...(outcome.error.details ? { details: outcome.error.details } : {}) } };
    default:
      return assertNever(outcome);
  }
}
