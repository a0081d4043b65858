import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { RunIdParams, RunStepsResponse } from '../../api/schemas.js';
import { toIsoOrNull } from '../../core/clock.js';
import type { RunStepsService } from '../../service/run-steps-service.js';
import { routeSchema } from '../route-schema.js';

/** `GET /workflow-runs/{runId}/steps`: a Slipway extension showing each step's progress. */
export function registerRunStepRoutes(app: FastifyInstance, deps: { runSteps: RunStepsService }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/workflow-runs/:runId/steps', routeSchema({
    operationId: 'listWorkflowRunSteps',
    summary: 'List a run\'s steps (Slipway extension)',
    description:
      'Every step of the run\'s workflow version in file order (PENDING until it starts), then the sub-steps of `map` steps ' +
      '(`<mapId>[<index>].<subId>`). `attempts` counts the attempts started; `error` is the last failure.',
    tags: ['runs'],
    params: RunIdParams,
    response: { 200: RunStepsResponse },
    errors: ['not_found'],
  }), async (request) => {
    const steps = await deps.runSteps.listRunSteps(request.caller.workspaceId, request.params.runId);
    return {
      run_id: request.params.runId,
      data: steps.map((s) => ({
        id: s.id,
        type: s.type,
        status: s.status,
        attempts: s.attempts,
        started_at: toIsoOrNull(s.startedAt),
        finished_at: toIsoOrNull(s.finishedAt),
        output: s.output ?? null,
        error: s.error,
      })),
    };
  });
}
