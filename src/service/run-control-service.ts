import type { Clock } from '../core/clock.js';
import type { TraceParent } from '../core/trace-context.js';
import { AppError } from '../core/errors.js';
import { assertNever } from '../core/assert-never.js';
import { isTerminal, RunStatus } from '../core/states.js';
import type { AbortRunResult } from '../store/run-control-store.js';
import type { Store } from '../store/store.js';
import type { WorkflowDefinition } from '../workflow/definition.js';
import { toInputSchema, validateRunInputs } from '../workflow/inputs.js';
import { newRunOf } from './queue-run.js';
import { runFlowOf } from './run-flow.js';
import { replayPlan } from './replay-plan.js';
import { createRunErrorOf, MAX_IDEMPOTENCY_KEY_LENGTH, runsWaitingForLimit, type CreateRunOutcome } from './runs-service.js';

export interface ReplayRequest {
  workspaceId: number;
  runId: string;
  fromStep?: string;
  version?: 'same' | 'latest';
  inputs?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  idempotencyKey?: string;
  /** The caller's span from a `traceparent` header (SPEC §17): the replay's spans join its trace. */
  traceParent?: TraceParent | null;
}

/** Run control (SPEC §11): abort, replay. Bulk actions are in bulk-runs.ts. */
export function createRunControlService(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;

  /** The name abort messages carry ("aborted by <token name>"). */
  async function callerName(workspaceId: number, tokenId: string): Promise<string> {
    return (await store.getToken(workspaceId, tokenId))?.name ?? tokenId;
  }

  async function abortRun(workspaceId: number, runId: string, by: string): Promise<Exclude<AbortRunResult, { kind: 'not_found' | 'not_abortable' }>> {
    const result = await store.abortRun({ workspaceId, runId, by, now: clock.now() });
    switch (result.kind) {
      case 'canceled':
      case 'aborted':
      case 'abort_requested':
        return result;
      case 'not_found':
        throw new AppError('not_found', `No run "${runId}" in this workspace.`);
      case 'not_abortable':
        throw new AppError('not_abortable', `The run has already ended (${result.run.status}).`);
      default:
        return assertNever(result);
    }
  }

  async function replayRun(request: ReplayRequest): Promise<CreateRunOutcome> {
    const key = request.idempotencyKey;
    if (key !== undefined && (key.trim().length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
      throw new AppError('invalid_request', `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`);
    }
    if (request.fromStep !== undefined && request.inputs !== undefined) {
      throw new AppError('invalid_request', '`inputs` cannot be combined with `from_step`: reused steps were computed from the source run\'s inputs.');
    }
    const source = await store.getRun(request.workspaceId, request.runId);
    if (!source) throw new AppError('not_found', `No run "${request.runId}" in this workspace.`);
    if (!isTerminal(source.status)) throw new AppError('run_not_finished', `Only a finished run can be replayed; this run is ${source.status}.`);
    const workflow = await store.getWorkflow(source.workspaceId, source.workflowId);
    if (!workflow) throw new AppError('not_found', `No workflow "${source.workflowId}" in this workspace.`);
    const sameVersion = (request.version ?? 'same') === 'same' && source.workflowVersion !== null;
    const versionNumber = sameVersion ? source.workflowVersion! : workflow.defaultVersion;
    const version = versionNumber > 0 ? await store.getWorkflowVersion(source.workspaceId, source.workflowId, versionNumber) : null;
    if (!version) throw new AppError('workflow_not_published', `Workflow "${workflow.id}" has no published version.`);
    const definition = version.definition as WorkflowDefinition;

    let inputs = source.inputs;
    if (request.inputs !== undefined) {
      const checked = validateRunInputs(toInputSchema(definition.inputs), request.inputs, { additionalInputs: definition.additionalInputs });
      if (!checked.ok) throw new AppError('invalid_inputs', 'The inputs do not match the workflow\'s input schema.', { details: checked.details });
      inputs = checked.values;
    }
    let reuseStepIds: string[] = [];
    if (request.fromStep !== undefined) {
      const sourceVersion = source.workflowVersion === null ? null : await store.getWorkflowVersion(source.workspaceId, source.workflowId, source.workflowVersion);
      const plan = replayPlan({
        fromStep: request.fromStep,
        sourceSteps: (sourceVersion?.definition as WorkflowDefinition | undefined)?.steps ?? [],
        targetSteps: definition.steps,
        attempts: await store.listStepAttempts(source.id),
      });
      if (plan.kind === 'unknown_step') throw new AppError('invalid_request', `No step "${request.fromStep}" in the run's workflow version.`);
      if (plan.kind === 'incompatible') throw new AppError('replay_incompatible', plan.message);
      reuseStepIds = plan.reuseStepIds;
    }

    const fromStep = request.fromStep ?? null;
    const metadata = request.metadata ?? source.metadata;
    const flow = await runFlowOf(definition, { workflowId: workflow.id, inputs, metadata });
    if (!flow.ok) throw new AppError('invalid_inputs', 'The concurrency key of the workflow could not be evaluated.', { details: flow.details });
    const newRun = newRunOf(clock, {
      workspaceId: source.workspaceId,
      metadata,
      idempotencyKey: key ?? null,
      trigger: { kind: 'replay', sourceRunId: source.id, fromStep },
      traceParent: request.traceParent ?? null,
    }, { kind: 'prepared', workflow, inputs, ...(flow.flow ? { flow: flow.flow } : {}) });
    const result = await store.createReplayRun({
      ...newRun,
      trigger: { type: 'replay', run_id: source.id, from_step: fromStep },
      workflowVersion: versionNumber,
      sourceRunId: source.id,
      reuseStepIds,
    });
    switch (result.kind) {
      case 'created':
        return { kind: 'run', run: result.run, replayed: false };
      case 'replayed':
        return { kind: 'run', run: result.run, replayed: true };
      case 'replayed_deleted':
        return { kind: 'deleted_run', deleted: result.deleted };
      case 'idempotency_conflict':
      case 'daily_limit_exceeded':
      case 'concurrent_limit_exceeded':
      case 'child_run_limit':
        throw createRunErrorOf(clock, result, await runsWaitingForLimit(store, source.workspaceId, [result]));
      default:
        return assertNever(result);
    }
  }

  return { callerName, abortRun, replayRun };
}

export type RunControlService = ReturnType<typeof createRunControlService>;

/** Statuses an abort changes (for the bulk action's dry-run count). */
export const ABORTABLE_STATUSES: readonly RunStatus[] = [RunStatus.QUEUED, RunStatus.STARTING, RunStatus.RUNNING];
