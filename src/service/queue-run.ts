import { startOfUtcDay, type Clock } from '../core/clock.js';
import type { ErrorDetail } from '../core/errors.js';
import { assertNever } from '../core/assert-never.js';
import { newRunId } from '../core/ids.js';
import { newRunTraceContext, type TraceParent } from '../core/trace-context.js';
import type { ChildRunLimits, CreateRunResult, NewRun, Store, Workflow } from '../store/store.js';
import type { WorkflowDefinition } from '../workflow/definition.js';
import { toInputSchema, validateRunInputs } from '../workflow/inputs.js';
import type { WorkflowsService } from './workflows-service.js';
import type { RunFlow } from '../store/flow-rows.js';
import { runFlowOf, type FlowOptions } from './run-flow.js';

/**
 * What started a run. It decides what the run is linked to and whether the workspace's
 * limits apply; a new way to start runs (a schedule, a replay, a batch item) is a new
 * kind here and one case in `placementOf`.
 */
export type RunTrigger =
  /** `POST /workflows/{id}/runs`: limited by the workspace's run limits. */
  | { kind: 'api' }
  /** A `workflow` step of `parentRunId`: not limited and not counted (the root run was). */
  | { kind: 'child'; parentRunId: string }
  /** A fire of a schedule (SPEC §8): limited like an API run; queued by the store's fire transaction. */
  | { kind: 'schedule'; scheduleId: string; fireAt: number }
  /** `POST /workflow-runs/{id}/replay` (SPEC §11): limited like an API run; queued by the store's `createReplayRun`. */
  | { kind: 'replay'; sourceRunId: string; fromStep: string | null }
  /** An item of `POST /workflows/{id}/runs/batch` (SPEC §15): limited like an API run, recorded as `{type: "batch"}`. */
  | { kind: 'batch' };

export interface QueueRunRequest {
  workspaceId: number;
  workflowId: string;
  /** As the caller sent them; validated against the published version's input schema here. */
  inputs: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
  idempotencyKey: string | null;
  trigger: RunTrigger;
  /** For a child run: the budgets of its tree (SPEC §16), checked by the store with the insert. */
  childRunLimits?: ChildRunLimits;
  /** The create's priority, delay / not_before and ttl (SPEC §12), already checked. */
  flowOptions?: FlowOptions;
  /**
   * The span the run's trace continues (SPEC §17): a create request's `traceparent`, or the
   * parent run's span for a child run. Absent or null: the run starts a trace of its own.
   */
  traceParent?: TraceParent | null;
}

/**
 * How preparing and queueing a run came out. The store's answer (`created`, `replayed`,
 * `idempotency_conflict`, the limits) is the only judge of idempotency and limits; the
 * cases before it are what the run is prepared from.
 */
export type QueueRunResult =
  | { kind: 'workflow_not_found' }
  | { kind: 'workflow_not_published'; workflow: Workflow }
  | { kind: 'invalid_inputs'; details: ErrorDetail[] }
  | CreateRunResult;

export interface QueueRunDeps {
  store: Store;
  clock: Clock;
  workflows: Pick<WorkflowsService, 'publishedDefinition'>;
}

/**
 * Prepares and queues one run: the workflow, its published definition, the inputs checked
 * against its input schema, then the store's atomic `createRun` (idempotency and limits
 * evaluated with the insert). The one path every run is created by: API runs and child
 * runs today, schedules and replays later.
 *
 * @example
 * const result = await queueRun(deps, { workspaceId: 1, workflowId: 'hello', inputs: { name: 'Ada' },
 *   metadata: null, idempotencyKey: null, trigger: { kind: 'api' } });
 * if (result.kind === 'created') console.log(result.run.id);
 */
export async function queueRun(deps: QueueRunDeps, request: QueueRunRequest): Promise<QueueRunResult> {
  const prepared = await prepareRun(deps, request);
  if (prepared.kind !== 'prepared') return prepared;
  return deps.store.createRun(newRunOf(deps.clock, request, prepared));
}

/** The run row a prepared run is inserted as (by `queueRun`, or inside a schedule fire's transaction). */
export function newRunOf(
  clock: Clock,
  request: Pick<QueueRunRequest, 'workspaceId' | 'metadata' | 'idempotencyKey' | 'trigger' | 'childRunLimits' | 'traceParent'>,
  prepared: Extract<PreparedRun, { kind: 'prepared' }>,
): NewRun {
  const now = clock.now();
  return {
    id: newRunId(),
    workspaceId: request.workspaceId,
    workflowId: prepared.workflow.id,
    inputs: prepared.inputs,
    metadata: request.metadata,
    idempotencyKey: request.idempotencyKey,
    ...placementOf(request.trigger),
    ...(request.childRunLimits ? { childRunLimits: request.childRunLimits } : {}),
    ...(prepared.flow ? { flow: prepared.flow } : {}),
    trace: newRunTraceContext(request.traceParent ?? null),
    now,
    dayStart: startOfUtcDay(now),
  };
}

/** A run prepared but not queued: the workflow, the inputs with defaults applied, its flow control (SPEC §12). */
export type PreparedRun =
  | { kind: 'prepared'; workflow: Workflow; inputs: Record<string, unknown>; flow?: RunFlow }
  | Exclude<QueueRunResult, CreateRunResult>;

/**
 * What `queueRun` checks before the store's insert: the workflow, its published definition,
 * the inputs against its input schema. Alone it is the dry run (SPEC §14): nothing stored.
 */
export async function prepareRun(
  deps: Omit<QueueRunDeps, 'clock'>,
  request: Pick<QueueRunRequest, 'workspaceId' | 'workflowId' | 'inputs'> & Partial<Pick<QueueRunRequest, 'metadata' | 'flowOptions'>>,
): Promise<PreparedRun> {
  const published = await preparePublished(deps, request);
  if (published.kind !== 'published') return published;
  return prepareFlow(published, prepareInputs(published, request.inputs), request.metadata ?? null, request.flowOptions);
}

/**
 * The third part of `prepareRun`: the create's flow options over the definition's `ttl`, and
 * its `concurrency` key evaluated over the checked inputs and the metadata (a key that does not
 * evaluate is `invalid_inputs`, details `concurrency.key`).
 */
export async function prepareFlow(
  published: Extract<PublishedWorkflow, { kind: 'published' }>,
  prepared: PreparedRun,
  metadata: Record<string, unknown> | null,
  options: FlowOptions | undefined,
): Promise<PreparedRun> {
  if (prepared.kind !== 'prepared') return prepared;
  const flow = await runFlowOf(published.definition, { workflowId: published.workflow.id, inputs: prepared.inputs, metadata }, options);
  if (!flow.ok) return { kind: 'invalid_inputs', details: flow.details };
  return flow.flow ? { ...prepared, flow: flow.flow } : prepared;
}

/** The first half of `prepareRun`: the workflow and its published definition (read once for a batch). */
export type PublishedWorkflow =
  | { kind: 'published'; workflow: Workflow; definition: WorkflowDefinition }
  | { kind: 'workflow_not_found' }
  | { kind: 'workflow_not_published'; workflow: Workflow };

export async function preparePublished(deps: Omit<QueueRunDeps, 'clock'>, request: Pick<QueueRunRequest, 'workspaceId' | 'workflowId'>): Promise<PublishedWorkflow> {
  const workflow = await deps.store.getWorkflow(request.workspaceId, request.workflowId);
  if (!workflow) return { kind: 'workflow_not_found' };
  const definition: WorkflowDefinition | null = await deps.workflows.publishedDefinition(workflow);
  if (!definition) return { kind: 'workflow_not_published', workflow };
  return { kind: 'published', workflow, definition };
}

/** The second half of `prepareRun`: the inputs checked against the published input schema, defaults applied. */
export function prepareInputs(published: Extract<PublishedWorkflow, { kind: 'published' }>, inputs: Record<string, unknown>): PreparedRun {
  const { workflow, definition } = published;
  const checked = validateRunInputs(toInputSchema(definition.inputs), inputs, { additionalInputs: definition.additionalInputs });
  if (!checked.ok) return { kind: 'invalid_inputs', details: checked.details };
  return { kind: 'prepared', workflow, inputs: checked.values };
}

/** What the trigger decides about the new run's row. */
function placementOf(trigger: RunTrigger): Pick<NewRun, 'parentRunId' | 'ignoreLimits' | 'recordedTrigger'> {
  switch (trigger.kind) {
    case 'batch':
      return { parentRunId: null, ignoreLimits: false, recordedTrigger: { type: 'batch' } };
    case 'api':
      return { parentRunId: null, ignoreLimits: false };
    case 'child':
      return { parentRunId: trigger.parentRunId, ignoreLimits: true };
    case 'schedule':
    case 'replay':
      return { parentRunId: null, ignoreLimits: false };
    default:
      return assertNever(trigger);
  }
}
