import { startOfUtcDay, type Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { RunStatus } from '../core/states.js';
import type { TraceParent } from '../core/trace-context.js';
import type { CreateRunResult, DeletedRun, Run, Store } from '../store/store.js';
import { assertNever } from '../core/assert-never.js';
import { prepareRun, queueRun, type PreparedRun, type QueueRunRequest } from './queue-run.js';
import { createOptimisticCreates } from './optimistic-create.js';
import type { Caller } from './auth-service.js';
import type { WorkflowsService } from './workflows-service.js';
import { runUsageOf, type RunUsage } from './run-usage.js';
import { checkFlowOptions, type FlowOptionFields, type FlowOptions } from './run-flow.js';
import { createRunWaiting } from './run-waiting.js';

export const MAX_METADATA_BYTES = 16 * 1024;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Retry-After for the concurrent limit: runs usually finish within seconds. */
export const CONCURRENT_LIMIT_RETRY_AFTER_S = 5;

export interface CreateRunRequest {
  workspaceId: number;
  workflowId: string;
  inputs: Record<string, unknown>;
  metadata: Record<string, unknown> | undefined;
  idempotencyKey: string | undefined;
  /** `priority`, `delay`, `not_before`, `ttl` of the body (SPEC §12); absent: none. */
  flow?: FlowOptionFields;
  /** The caller's span from a `traceparent` header (SPEC §17); the run's spans join its trace. */
  traceParent?: TraceParent | null;
  /**
   * The caller (maybe from a hint, `authenticateHint`): given, the create tries the one-statement
   * path that re-checks its token, and verifies it before any other path. Absent: already checked.
   */
  caller?: Pick<Caller, 'tokenId' | 'verified' | 'verify'>;
}

/** What a create (or a replay) answered: a run, or the record of the deleted run that held the Idempotency-Key. */
export type CreateRunOutcome =
  /** `replayed`: true when an earlier run with the same idempotency key was returned. */
  | { kind: 'run'; run: Run; replayed: boolean }
  /** The key's run was deleted by retention less than 24 h after its creation (SPEC §17): a replay of its record. */
  | { kind: 'deleted_run'; deleted: DeletedRun };

/** Creating, reading, listing and canceling runs: the use cases behind the run endpoints. */
export function createRunsService(deps: { store: Store; clock: Clock; workflows: WorkflowsService }) {
  const { store, clock } = deps;
  const waiting = createRunWaiting({ store, clock });
  const optimistic = createOptimisticCreates(deps);

  /** The checks of the request itself, before any workflow is read; the flow options it asks for. */
  function checkRequest(request: CreateRunRequest): FlowOptions {
    const key = request.idempotencyKey;
    if (key !== undefined && (key.trim().length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
      throw new AppError('invalid_request', `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`);
    }
    if (request.metadata !== undefined && Buffer.byteLength(JSON.stringify(request.metadata)) > MAX_METADATA_BYTES) {
      throw new AppError('invalid_request', `metadata must be at most ${MAX_METADATA_BYTES} bytes as JSON.`);
    }
    const flow = checkFlowOptions(request.flow ?? {}, clock.now());
    if (!flow.ok) throw new AppError('invalid_request', `The request's ${flow.details.map((d) => d.path.replace(/^body\./, '')).join(', ')} is not valid.`, { details: flow.details });
    return flow.options;
  }

  /**
   * `?dry_run=true` (SPEC §14): the errors a create would give, else the version and the
   * inputs (defaults applied) it would use. Creates nothing and counts against no limit;
   * an Idempotency-Key is checked for its form only (a dry run replays nothing).
   */
  async function dryRunCreate(request: CreateRunRequest): Promise<{ version: number; inputs: Record<string, unknown> }> {
    await request.caller?.verify();
    const flowOptions = checkRequest(request);
    const prepared = await prepareRun(deps, { ...request, metadata: request.metadata ?? null, flowOptions });
    switch (prepared.kind) {
      case 'prepared':
        return { version: prepared.workflow.defaultVersion, inputs: prepared.inputs };
      case 'workflow_not_found':
      case 'workflow_not_published':
      case 'invalid_inputs':
        throw preparationError(request, prepared);
      default:
        return assertNever(prepared);
    }
  }

  async function createRun(request: CreateRunRequest): Promise<CreateRunOutcome> {
    const key = request.idempotencyKey;
    const flowOptions = checkRequest(request);
    const queueRequest: QueueRunRequest = {
      flowOptions,
      workspaceId: request.workspaceId,
      workflowId: request.workflowId,
      inputs: request.inputs,
      metadata: request.metadata ?? null,
      idempotencyKey: key ?? null,
      trigger: { kind: 'api' },
      traceParent: request.traceParent ?? null,
    };
    const { caller } = request;
    const fast = caller ? await optimistic.tryCreate(queueRequest, caller.tokenId) : 'not_applicable';
    // Every answer but the fast path's 202 comes from the full path, with the caller's token read first.
    if (typeof fast !== 'object') await caller?.verify(fast === 'stale');
    const result = typeof fast === 'object' ? fast : await queueRun(deps, queueRequest);
    switch (result.kind) {
      case 'created':
        return { kind: 'run', run: result.run, replayed: false };
      case 'replayed':
        return { kind: 'run', run: result.run, replayed: true };
      case 'replayed_deleted':
        return { kind: 'deleted_run', deleted: result.deleted };
      case 'workflow_not_found':
      case 'workflow_not_published':
      case 'invalid_inputs':
        throw preparationError(request, result);
      case 'idempotency_conflict':
      case 'daily_limit_exceeded':
      case 'concurrent_limit_exceeded':
      case 'child_run_limit':
        throw createRunErrorOf(clock, result, await runsWaitingForLimit(store, request.workspaceId, [result]));
      default:
        return assertNever(result);
    }
  }

  function preparationError(request: CreateRunRequest, result: Exclude<PreparedRun, { kind: 'prepared' }>): AppError {
    return preparationErrorOf(request.workflowId, result);
  }

  async function getRun(workspaceId: number, runId: string): Promise<Run> {
    const run = await store.getRun(workspaceId, runId);
    if (!run) throw new AppError('not_found', `No run "${runId}" in this workspace.`);
    return run;
  }

  async function cancelRun(workspaceId: number, runId: string): Promise<Run> {
    const result = await store.cancelQueuedRun(workspaceId, runId, clock.now());
    switch (result.kind) {
      case 'canceled':
        return result.run;
      case 'not_found':
        throw new AppError('not_found', `No run "${runId}" in this workspace.`);
      case 'not_cancelable':
        throw new AppError('not_cancelable', `Only QUEUED runs can be canceled; this run is ${result.run.status}.`);
    }
  }

  async function listRuns(workspaceId: number, query: { workflowId?: string; status?: RunStatus; page: number; limit: number }) {
    return store.listRuns(workspaceId, query);
  }

  /** LLM token totals of a run, from its completed llm attempts (SPEC §13). */
  async function getRunUsage(runId: string): Promise<RunUsage | null> {
    return runUsageOf(await store.listStepAttempts(runId));
  }

  return {
    createRun, dryRunCreate, getRun, cancelRun, listRuns, getRunUsage,
    /** Why the run waits (SPEC §12), null when it does not. */
    getRunWaiting: waiting.waitingOf,
    /** The same for a page of runs (list items). */
    getRunsWaiting: waiting.waitingOfList,
  };
}

export type RunsService = ReturnType<typeof createRunsService>;

type RefusedCreate = Extract<CreateRunResult, { kind: 'idempotency_conflict' | 'daily_limit_exceeded' | 'concurrent_limit_exceeded' | 'child_run_limit' }>;

/**
 * How many of the workspace's active runs wait at a waitpoint, when the concurrent-run limit
 * refused a create (SPEC §7: the 429 message says so); null for other refusals (not looked up).
 */
export async function runsWaitingForLimit(store: Pick<Store, 'countRunsAtOpenWaitpoints'>, workspaceId: number, results: readonly CreateRunResult[]): Promise<number | null> {
  return results.some((r) => r.kind === 'concurrent_limit_exceeded') ? store.countRunsAtOpenWaitpoints(workspaceId) : null;
}

/**
 * The API error of a root run's create the store refused (an API run, a replay, a batch item).
 * `waitingRuns`: how many active runs wait at a waitpoint (`runsWaitingForLimit`), said in the
 * concurrent-limit message.
 */
export function createRunErrorOf(clock: Clock, result: RefusedCreate, waitingRuns: number | null = null): AppError {
  switch (result.kind) {
    case 'idempotency_conflict':
      return new AppError('idempotency_conflict', `This Idempotency-Key was already used with workflow "${result.run.workflowId}".`);
    case 'daily_limit_exceeded': {
      const now = clock.now();
      const retryAfter = Math.ceil((startOfUtcDay(now) + 86_400_000 - now) / 1000);
      return new AppError('daily_run_limit_exceeded', `This workspace may create ${result.limit} runs per day (UTC); the limit resets at 00:00 UTC.`, {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
    case 'concurrent_limit_exceeded':
      return new AppError('concurrent_run_limit_exceeded', `This workspace may have ${result.limit} runs queued or running at once ` +
        `(runs held by a concurrency key and delayed runs are QUEUED and count too).${waitingMessage(waitingRuns)}`, {
        headers: { 'Retry-After': String(CONCURRENT_LIMIT_RETRY_AFTER_S) },
      });
    case 'child_run_limit':
      // Root runs: the store checks tree budgets for child runs only.
      return new AppError('internal_error', `unexpected child-run limit for a root run: ${result.message}`);
    default:
      return assertNever(result);
  }
}

function waitingMessage(waitingRuns: number | null): string {
  if (waitingRuns === null) return '';
  if (waitingRuns === 0) return ' None of the active runs is waiting at a waitpoint.';
  const runs = waitingRuns === 1 ? '1 of the active runs is' : `${waitingRuns} of the active runs are`;
  return ` ${runs} waiting at a waitpoint (approval, callback or event); completing or aborting them frees their places.`;
}

/** The API error of a run that could not be prepared (unknown or unpublished workflow, bad inputs): single, replay and batch creates. */
export function preparationErrorOf(workflowId: string, result: Exclude<PreparedRun, { kind: 'prepared' }>): AppError {
  switch (result.kind) {
    case 'workflow_not_found':
      return new AppError('not_found', `No workflow "${workflowId}" in this workspace.`);
    case 'workflow_not_published':
      return new AppError('workflow_not_published', `Workflow "${result.workflow.id}" has no published version.`);
    case 'invalid_inputs':
      return new AppError('invalid_inputs', 'The inputs do not match the workflow\'s input schema.', { details: result.details });
    default:
      return assertNever(result);
  }
}
