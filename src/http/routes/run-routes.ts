import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  CancelRunResponse,
  CreateRunBody,
  CreateRunResponse,
  GetRunQuery,
  ListRunsQuery,
  ListRunsResponse,
  RunIdParams,
  RunWithDetailsSchema,
  WorkflowIdParams,
} from '../../api/schemas.js';
import { CreateRunQuery, DryRunResponse } from '../../api/authoring-schemas.js';
import { WaitQuery } from '../../api/run-events-schemas.js';
import { toIso } from '../../core/clock.js';
import { isTerminal } from '../../core/states.js';
import type { RunStatus } from '../../core/states.js';
import type { RunEventsService } from '../../service/run-events-service.js';
import type { RunsService } from '../../service/runs-service.js';
import { boundedForList } from '../list-bounds.js';
import { toCreateRunResponse, toDeletedRunResponse, toRunResponse, toRunWithDetails } from '../presenters.js';
import { TraceparentHeader } from '../../api/trace-schemas.js';
import { parseTraceparent } from '../../core/trace-context.js';
import { createRunDetails } from '../run-details.js';
import { routeSchema } from '../route-schema.js';

export function registerRunRoutes(app: FastifyInstance, deps: { runs: RunsService; runEvents: RunEventsService }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const runDetails = createRunDetails(deps.runs);

  api.post('/workflows/:workflowId/runs', {
    ...routeSchema({
      operationId: 'createWorkflowRun',
      summary: 'Create a workflow run',
      description:
        'Queues a run of the workflow\'s published version. With `Idempotency-Key`, a repeated request with the same key and ' +
        'workflow returns the existing run (header `Idempotent-Replayed: true`) and creates nothing. ' +
        'With `dry_run=true` (Slipway extension) it answers 200 `{valid, version, inputs}` or the errors a create would give, ' +
        'and creates nothing: no run, no use of the daily or concurrent limits, no idempotency key. With `wait=N` (1–60, SPEC §9) ' +
        'the answer is 200 with the run (as `GET …?include=details`) when it ends within N seconds, otherwise the usual 202.',
      tags: ['runs'],
      params: WorkflowIdParams,
      querystring: Type.Object({ ...CreateRunQuery.properties, ...WaitQuery.properties }, { additionalProperties: true }),
      headers: Type.Object({
        'idempotency-key': Type.Optional(Type.String({ description: 'Scoped to the workspace, kept 24 h at least; 1 to 255 characters' })),
        traceparent: TraceparentHeader,
      }),
      body: CreateRunBody,
      response: {
        200: Type.Union([DryRunResponse, RunWithDetailsSchema], { description: '`dry_run=true`: the check; `wait=N`: the run, ended within the wait' }),
        202: CreateRunResponse,
      },
      responseHeaders: { 202: ['Idempotent-Replayed'] },
      errors: [
        'invalid_inputs', 'not_found', 'workflow_not_published', 'idempotency_conflict', 'payload_too_large', 'unsupported_media_type',
        'daily_run_limit_exceeded', 'concurrent_run_limit_exceeded',
      ],
    }),
    // The caller may come from a hint: the create's statement re-checks the token (runs-service).
    config: { callerFromHint: true },
  }, async (request, reply) => {
    const createRequest = {
      workspaceId: request.caller.workspaceId,
      workflowId: request.params.workflowId,
      inputs: request.body.inputs,
      metadata: request.body.metadata,
      idempotencyKey: request.headers['idempotency-key'],
      flow: { priority: request.body.priority, delay: request.body.delay, not_before: request.body.not_before, ttl: request.body.ttl },
      traceParent: parseTraceparent(request.headers.traceparent),
      caller: request.caller,
    };
    if (request.query.dry_run === true) {
      const checked = await deps.runs.dryRunCreate(createRequest);
      return reply.status(200).send({ valid: true as const, ...checked });
    }
    const created = await deps.runs.createRun(createRequest);
    // The key's run was deleted by retention (SPEC §17): its record answers, with no wait.
    if (created.kind === 'deleted_run') return reply.status(202).header('Idempotent-Replayed', 'true').send(toDeletedRunResponse(created.deleted));
    const { run, replayed } = created;
    if (replayed) reply.header('Idempotent-Replayed', 'true');
    const wait = request.query.wait;
    if (wait !== undefined) {
      const ended = isTerminal(run.status) ? run : await deps.runEvents.waitForRunEnd(run.workspaceId, run.id, wait * 1000);
      if (ended && isTerminal(ended.status)) return reply.status(200).send(await runDetails(ended));
    }
    return reply.status(202).send(toCreateRunResponse(run));
  });

  api.get('/workflow-runs', routeSchema({
    operationId: 'listWorkflowRuns',
    summary: 'List runs (dashboard extension)',
    description:
      'Runs of the workspace, newest first, optionally of one workflow and in one status. Not part of Slate\'s API. ' +
      'Items carry `inputs`, `workflow_version` and `started_at` besides the Run fields. ' +
      'An `output` or `inputs` over 64 KiB of JSON is `{"truncated": true, "bytes": N}`; the run\'s own GET has it whole.',
    tags: ['runs'],
    querystring: ListRunsQuery,
    response: { 200: ListRunsResponse },
  }), async (request) => {
    const page = request.query.page ?? 1;
    const limit = request.query.limit ?? 15;
    const { items, total } = await deps.runs.listRuns(request.caller.workspaceId, {
      workflowId: request.query.workflow_id,
      status: request.query.status as RunStatus | undefined,
      page,
      limit,
    });
    // Bounded list answers (SPEC §16): big outputs and inputs are left to the run's own GET.
    const waiting = await deps.runs.getRunsWaiting(items);
    const data = items.map((run, index) => {
      const item = toRunWithDetails(run);
      return { ...item, output: boundedForList(item.output), inputs: boundedForList(item.inputs) as typeof item.inputs, waiting: waiting[index] ?? null };
    });
    return { data, pagination: { page, limit, total, totalPages: Math.ceil(total / limit) } };
  });

  api.get('/workflow-runs/:runId', routeSchema({
    operationId: 'getWorkflowRun',
    summary: 'Get a run\'s status',
    description:
      'With `include=details` (dashboard extension) the answer also has `inputs`, `workflow_version` and `started_at`. ' +
      'With `wait=N` (1–60, SPEC §9) it answers as soon as the run is terminal, or after N seconds with its current state.',
    tags: ['runs'],
    params: RunIdParams,
    querystring: Type.Object({ ...GetRunQuery.properties, ...WaitQuery.properties }, { additionalProperties: true }),
    response: { 200: RunWithDetailsSchema },
    errors: ['not_found'],
  }), async (request) => {
    let run = await deps.runs.getRun(request.caller.workspaceId, request.params.runId);
    const wait = request.query.wait;
    if (wait !== undefined && !isTerminal(run.status)) run = (await deps.runEvents.waitForRunEnd(run.workspaceId, run.id, wait * 1000)) ?? run;
    if (request.query.include !== 'details') return toRunResponse(run);
    return runDetails(run);
  });

  api.post('/workflow-runs/:runId/cancel', routeSchema({
    operationId: 'cancelWorkflowRun',
    summary: 'Cancel a queued run',
    description: 'Only a QUEUED run can be canceled; a canceled run never starts.',
    tags: ['runs'],
    params: RunIdParams,
    response: { 200: CancelRunResponse },
    errors: ['not_found', 'not_cancelable'],
  }), async (request) => {
    const run = await deps.runs.cancelRun(request.caller.workspaceId, request.params.runId);
    return { run_id: run.id, status: 'CANCELED' as const, completed_at: toIso(run.completedAt!) };
  });
}
