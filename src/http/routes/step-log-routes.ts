import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { RunIdParams } from '../../api/schemas.js';
import { RunLogsQuery, RunLogsResponse } from '../../api/step-log-schemas.js';
import { toIso } from '../../core/clock.js';
import type { StepLogsService } from '../../service/step-logs-service.js';
import type { StepLogLine } from '../../store/step-log-store.js';
import { routeSchema } from '../route-schema.js';

/** `GET /workflow-runs/{runId}/logs` (SPEC §17). */
export function registerStepLogRoutes(app: FastifyInstance, deps: { stepLogs: StepLogsService }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/workflow-runs/:runId/logs', routeSchema({
    operationId: 'listWorkflowRunLogs',
    summary: 'List a run\'s step log lines (Slipway extension)',
    description:
      'Lines the steps wrote (request line and status of `http` steps, retries, waits, `ctx.log` of host step types), oldest first; ' +
      'at most SLIPWAY_MAX_LOG_LINES (1,000) per run. Page with `after` = the last `seq` seen.',
    tags: ['runs'],
    params: RunIdParams,
    querystring: RunLogsQuery,
    response: { 200: RunLogsResponse },
    errors: ['not_found'],
  }), async (request) => {
    const lines = await deps.stepLogs.listRunLogs(request.caller.workspaceId, request.params.runId, {
      stepId: request.query.step_id, after: request.query.after, limit: request.query.limit,
    });
    return { data: lines.map(toLogLineResponse) };
  });
}

/** A stored log line as the API (and the CLI's --json) shows it. */
export function toLogLineResponse(line: StepLogLine): RunLogsResponse['data'][number] {
  return { seq: line.seq, at: toIso(line.at), step_id: line.stepId, attempt: line.attempt, level: line.level, message: line.message, fields: line.fields };
}
