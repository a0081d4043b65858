import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { RunStepParams, RunStepResponse } from '../../api/run-step-schemas.js';
import { RunIdParams, RunStepsResponse } from '../../api/schemas.js';
import { toIsoOrNull } from '../../core/clock.js';
import type { RunStepsService, StepView } from '../../service/run-steps-service.js';
import { boundedForList } from '../list-bounds.js';
import { routeSchema } from '../route-schema.js';

/** `GET /workflow-runs/{runId}/steps`: a Slipway extension showing each step's progress. */
export function registerRunStepRoutes(app: FastifyInstance, deps: { runSteps: RunStepsService }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/workflow-runs/:runId/steps', routeSchema({
    operationId: 'listWorkflowRunSteps',
    summary: 'List a run\'s steps (Slipway extension)',
    description:
      'Every step of the run\'s workflow version in file order (PENDING until it starts), then the sub-steps of `map` steps ' +
      '(`<mapId>[<index>].<subId>`). `attempts` counts the attempts started; `error` is the last failure. ' +
      'An `output` over 64 KiB of JSON is `{"truncated": true, "bytes": N}` here; `GET …/steps/{stepId}` has it whole.',
    tags: ['runs'],
    params: RunIdParams,
    response: { 200: RunStepsResponse },
    errors: ['not_found'],
  }), async (request) => {
    const steps = await deps.runSteps.listRunSteps(request.caller.workspaceId, request.params.runId);
    return { run_id: request.params.runId, data: steps.map((s) => ({ ...toStepRecord(s), output: boundedForList(s.output ?? null) })) };
  });

  api.get('/workflow-runs/:runId/steps/:stepId', routeSchema({
    operationId: 'getWorkflowRunStep',
    summary: 'Get one step of a run (Slipway extension)',
    description: 'The step as in `…/steps`, with its `output` whole and the `input` (evaluated `with`) of its newest attempt. 404 for an unknown run or step.',
    tags: ['runs'],
    params: RunStepParams,
    response: { 200: RunStepResponse },
    errors: ['not_found'],
  }), async (request) => {
    const step = await deps.runSteps.getRunStep(request.caller.workspaceId, request.params.runId, request.params.stepId);
    return { run_id: request.params.runId, ...toStepRecord(step), input: step.input ?? null };
  });
}

function toStepRecord(s: StepView) {
  return {
    id: s.id,
    type: s.type,
    status: s.status,
    attempts: s.attempts,
    started_at: toIsoOrNull(s.startedAt),
    finished_at: toIsoOrNull(s.finishedAt),
    output: s.output ?? null,
    error: s.error,
    ...(s.reusedFrom !== undefined ? { reused_from: s.reusedFrom } : {}),
  };
}
