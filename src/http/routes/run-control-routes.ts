import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AbortRunResponse, BulkRunsBody, BulkRunsResponse, ReplayRunBody } from '../../api/run-control-schemas.js';
import { CreateRunResponse, RunIdParams } from '../../api/schemas.js';
import { AppError } from '../../core/errors.js';
import type { RunStatus } from '../../core/states.js';
import type { BulkRuns } from '../../service/bulk-runs.js';
import type { RunControlService } from '../../service/run-control-service.js';
import { toCreateRunOutcomeResponse } from '../presenters.js';
import { TraceparentHeader } from '../../api/trace-schemas.js';
import { parseTraceparent } from '../../core/trace-context.js';
import { routeSchema } from '../route-schema.js';

/** Run control (SPEC §11): replay, abort, bulk. */
export function registerRunControlRoutes(app: FastifyInstance, deps: { runControl: RunControlService; bulkRuns: BulkRuns }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post('/workflow-runs/:runId/replay', routeSchema({
    operationId: 'replayWorkflowRun',
    summary: 'Replay a finished run',
    description:
      'Queues a fresh run of the same workflow (SPEC §11). Without `from_step`: the same inputs and metadata, or the given ones. ' +
      'With `from_step` (a step id, or `@failed`: every failed step), the steps that are neither it nor its descendants are not ' +
      'executed again: their checkpoints are copied and shown with `reused_from`. `version`: `same` (default) or `latest`. ' +
      'Limits apply; with `Idempotency-Key`, a repeated request returns the same replay (`Idempotent-Replayed: true`).',
    tags: ['runs'],
    params: RunIdParams,
    headers: Type.Object({
      'idempotency-key': Type.Optional(Type.String({ description: 'Scoped to the workspace, kept 24 h at least; 1 to 255 characters' })),
      traceparent: TraceparentHeader,
    }),
    body: ReplayRunBody,
    response: { 202: CreateRunResponse },
    responseHeaders: { 202: ['Idempotent-Replayed'] },
    errors: [
      'not_found', 'run_not_finished', 'replay_incompatible', 'invalid_inputs', 'workflow_not_published', 'idempotency_conflict',
      'daily_run_limit_exceeded', 'concurrent_run_limit_exceeded', 'payload_too_large', 'unsupported_media_type',
    ],
  }), async (request, reply) => {
    const body = request.body ?? {};
    const created = await deps.runControl.replayRun({
      workspaceId: request.caller.workspaceId,
      runId: request.params.runId,
      ...(body.from_step !== undefined ? { fromStep: body.from_step } : {}),
      ...(body.version !== undefined ? { version: body.version } : {}),
      ...(body.inputs !== undefined ? { inputs: body.inputs } : {}),
      ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
      ...(request.headers['idempotency-key'] !== undefined ? { idempotencyKey: request.headers['idempotency-key'] } : {}),
      traceParent: parseTraceparent(request.headers.traceparent),
    });
    if (created.kind === 'deleted_run' || created.replayed) reply.header('Idempotent-Replayed', 'true');
    return reply.status(202).send(toCreateRunOutcomeResponse(created));
  });

  api.post('/workflow-runs/:runId/abort', routeSchema({
    operationId: 'abortWorkflowRun',
    summary: 'Abort a run',
    description:
      'A QUEUED run is canceled at once (`CANCELED`, details `cancel_reason: "aborted"`). A STARTING or RUNNING run is stopped: ' +
      'its steps\' AbortSignal fires, its child runs are aborted, and it ends `FAILED` with `error.code` `ABORTED` ' +
      '("aborted by <token name>") within `SLIPWAY_ABORT_GRACE` whatever its steps do. A finished run: 409 `not_abortable`.',
    tags: ['runs'],
    params: RunIdParams,
    response: { 202: AbortRunResponse },
    errors: ['not_found', 'not_abortable'],
  }), async (request, reply) => {
    const by = await deps.runControl.callerName(request.caller.workspaceId, request.caller.tokenId);
    const result = await deps.runControl.abortRun(request.caller.workspaceId, request.params.runId, by);
    return reply.status(202).send({ run_id: result.run.id, status: result.run.status });
  });

  api.post('/workflow-runs/bulk', routeSchema({
    operationId: 'bulkWorkflowRuns',
    summary: 'Cancel, abort or replay many runs',
    description:
      'Applies `action` to the runs `filter` matches (at most 10,000, else 400 `too_many_runs`), one transaction per chunk, so a ' +
      'crash leaves each run either done or untouched. `dry_run` changes nothing and answers the counts with `affected: 0`. ' +
      'An empty filter is refused unless `filter.all: true`.',
    tags: ['runs'],
    body: BulkRunsBody,
    response: { 200: BulkRunsResponse },
    errors: ['too_many_runs', 'payload_too_large', 'unsupported_media_type'],
  }), async (request) => {
    const { filter } = request.body;
    const time = (text: string | undefined, name: string) => {
      if (text === undefined) return undefined;
      const at = Date.parse(text);
      if (Number.isNaN(at)) throw new AppError('invalid_request', `filter.${name} must be an ISO 8601 time.`);
      return at;
    };
    const createdAfter = time(filter.created_after, 'created_after');
    const createdBefore = time(filter.created_before, 'created_before');
    return deps.bulkRuns({
      workspaceId: request.caller.workspaceId,
      action: request.body.action,
      filter: {
        ...(filter.workflow_id !== undefined ? { workflowId: filter.workflow_id } : {}),
        ...(filter.status !== undefined ? { statuses: filter.status as RunStatus[] } : {}),
        ...(createdAfter !== undefined ? { createdAfter } : {}),
        ...(createdBefore !== undefined ? { createdBefore } : {}),
        ...(filter.run_ids !== undefined ? { runIds: filter.run_ids } : {}),
        ...(filter.all !== undefined ? { all: filter.all } : {}),
      },
      ...(request.body.from_step !== undefined ? { fromStep: request.body.from_step } : {}),
      dryRun: request.body.dry_run === true,
      by: await deps.runControl.callerName(request.caller.workspaceId, request.caller.tokenId),
    });
  });
}
