import type { Clock } from '../core/clock.js';
import { assertNever } from '../core/assert-never.js';
import { parseDuration } from '../core/duration.js';
import type { ExecutionResult, GraphOutcome } from '../core/outcomes.js';
import { RunErrorCode, RunStatus } from '../core/states.js';
import type { ChildRuns, StepTypeRegistry, Waitpoints } from '../steps/step-type.js';
import type { Run, RunError, Store } from '../store/store.js';
import type { WorkflowDefinition } from '../workflow/definition.js';
import { evaluateValue, ExpressionLimitError } from '../workflow/expressions.js';
import { DEFAULT_RUN_BUDGETS, oversizeOf, type RunBudgets, tooLargeMessage } from './budgets.js';
import { createCheckpoints } from './checkpoints.js';
import type { ExecutionEnv, Scope } from './execution-env.js';
import { runGraph } from './graph-runner.js';
import type { RunLease } from './run-lease.js';
import { createRunSecrets, NO_SECRETS, type SecretSource } from './run-secrets.js';
import { NO_TRACING, type Tracer } from './tracer.js';

export interface ExecuteOptions {
  /** True once shutdown began: finish the running steps, then release the run. */
  isDraining: () => boolean;
}

export const DEFAULT_STEP_CONCURRENCY = 8;

/** What the executor reads (writes go through the lease handle). */
export type ExecutorReads = Pick<Store, 'getWorkflowVersion' | 'listStepAttempts' | 'wakeRun'>;

/**
 * Executes a claimed run from its checkpoints (see docs/ARCHITECTURE.md): steps already
 * COMPLETED or SKIPPED are not run again; the others run as a graph, independent ones in
 * parallel. Every write goes through the run's lease handle and is fenced by its claim
 * token, so an executor that lost the run stops at its next write and the run is never
 * completed twice. A run that waits is released with a wake time and holds no worker
 * slot meanwhile.
 */
export function createRunExecutor(deps: {
  store: ExecutorReads;
  clock: Clock;
  stepTypes: StepTypeRegistry;
  childRuns: ChildRuns;
  waitpoints?: Waitpoints;
  stepConcurrency?: number;
  random?: () => number;
  budgets?: RunBudgets;
  /** The workspace secrets steps may use; none when omitted. */
  secrets?: SecretSource;
  /** `SLIPWAY_ABORT_GRACE`: how long an aborted run's steps may take to stop before the run ends anyway. */
  abortGraceMs?: number;
  /** Step spans (SPEC §17); none when omitted. */
  tracer?: Tracer;
}) {
  const budgets = deps.budgets ?? DEFAULT_RUN_BUDGETS;
  const { store, clock } = deps;

  const tracer = deps.tracer ?? NO_TRACING;

  async function execute(run: Run, lease: RunLease, options: ExecuteOptions): Promise<ExecutionResult> {
    try {
      return await executeRun(run, lease, options);
    } finally {
      tracer.executionEnded(run.id);
    }
  }

  async function executeRun(run: Run, lease: RunLease, options: ExecuteOptions): Promise<ExecutionResult> {
    const secrets = createRunSecrets(deps.secrets ?? NO_SECRETS, run.workspaceId);
    const finish = async (status: typeof RunStatus.COMPLETED | typeof RunStatus.FAILED, output: unknown, error: RunError | null): Promise<ExecutionResult> => {
      // No secret value is ever stored in a run's output or error (SPEC §13).
      if (!(await lease.finish(status, await secrets.mask(output), await secrets.mask(error)))) return stoppedResult(lease, clock.now());
      // A parent waiting on this run through a `workflow` step resumes now rather than at its next poll.
      if (run.parentRunId !== null) await store.wakeRun(run.parentRunId, clock.now()).catch(() => false);
      return { kind: 'finished', status };
    };
    const fail = (error: RunError) => finish(RunStatus.FAILED, null, error);

    const version = run.workflowVersion === null ? null : await store.getWorkflowVersion(run.workspaceId, run.workflowId, run.workflowVersion);
    if (!version) return fail({ code: RunErrorCode.START_FAILED, message: `Workflow "${run.workflowId}" has no published version to run.` });
    const definition = version.definition as WorkflowDefinition;
    if (!(await lease.markRunning())) return stoppedResult(lease, clock.now());

    const timeoutMs = definition.timeout === undefined ? null : parseDuration(definition.timeout);
    const deadline = timeoutMs === null ? null : (run.startedAt ?? run.createdAt) + timeoutMs;
    const timedOut = () => fail({ code: RunErrorCode.TIMEOUT, message: `The run exceeded its time limit of ${String(definition.timeout)}.` });
    if (deadline !== null && clock.now() >= deadline) return timedOut();

    const env: ExecutionEnv = {
      run,
      lease,
      clock,
      stepTypes: deps.stepTypes,
      childRuns: deps.childRuns,
      ...(deps.waitpoints ? { waitpoints: deps.waitpoints } : {}),
      checkpoints: createCheckpoints(hasNoCheckpoints(run) ? [] : await store.listStepAttempts(run.id)),
      deadline,
      isDraining: options.isDraining,
      stepConcurrency: deps.stepConcurrency ?? DEFAULT_STEP_CONCURRENCY,
      random: deps.random ?? Math.random,
      budgets,
      secrets,
      tracer,
    };
    const scope: Scope = { inputs: run.inputs, steps: {}, run: { id: run.id, workflowId: run.workflowId, metadata: run.metadata } };
    const graph = runGraph(env, definition.steps, scope, '', lease.signal, true);
    const outcome: GraphOutcome = await withinAbortGrace(graph, lease, clock, deps.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS);
    switch (outcome.kind) {
      case 'completed':
        return completeRun(definition, scope, budgets, finish, fail);
      case 'failed':
        return fail({ code: RunErrorCode.WORKFLOW_FAILED, message: `Step "${outcome.stepId}" failed: ${outcome.message}` });
      case 'timed_out':
        return timedOut();
      case 'waiting': {
        // A wait that outlives the run's deadline wakes at the deadline, to time the run out.
        const wakeAt = deadline === null ? outcome.until : Math.min(outcome.until, deadline);
        return (await lease.release(wakeAt)) ? { kind: 'waiting', until: wakeAt } : { kind: 'lost' };
      }
      case 'released':
        return (await lease.release(clock.now())) ? { kind: 'released' } : { kind: 'lost' };
      case 'interrupted':
        // Shutdown cut the steps short: their attempts stay RUNNING; another worker resumes the run at once.
        return stoppedResult(lease, clock.now());
      case 'lost':
        return { kind: 'lost' };
      case 'aborted':
        return (await lease.finishAborted()) ? { kind: 'finished', status: RunStatus.FAILED } : { kind: 'lost' };
      default:
        return assertNever(outcome);
    }
  }

  return { execute };
}

export type RunExecutor = ReturnType<typeof createRunExecutor>;

/**
 * A run claimed for the first time, straight from the queue, has no checkpoints to read:
 * attempts are written only under a claim (a later claim of the run counts 2 or more), and
 * the one kind of run created with attempts is a replay (its reused steps). Saves a read per run.
 */
function hasNoCheckpoints(run: Run): boolean {
  return run.claimCount === 1 && run.trigger.type !== 'replay';
}

export const DEFAULT_ABORT_GRACE_MS = 10_000;

/**
 * The graph's outcome, or `aborted` once the run has been aborted for `graceMs` and its
 * steps still have not returned (SPEC §11: the run ends within the grace whatever its steps do).
 */
function withinAbortGrace(graph: Promise<GraphOutcome>, lease: RunLease, clock: Clock, graceMs: number): Promise<GraphOutcome> {
  let cancel: () => void = () => {};
  const onAbort = () => new Promise<GraphOutcome>((resolve) => {
    const arm = () => {
      if (lease.stopReason() === 'aborted') cancel = clock.timer(graceMs, () => resolve({ kind: 'aborted' }));
    };
    if (lease.signal.aborted) arm();
    else lease.signal.addEventListener('abort', arm, { once: true });
  });
  return Promise.race([graph, onAbort()]).finally(() => cancel());
}

/**
 * A write under the lease was refused or skipped because the lease stopped: lost (write
 * nothing more), or interrupted by shutdown (release the run so it resumes elsewhere at once).
 */
async function stoppedResult(lease: RunLease, now: number): Promise<ExecutionResult> {
  if (lease.stopReason() !== 'interrupted') return { kind: 'lost' };
  return (await lease.release(now)) ? { kind: 'interrupted' } : { kind: 'lost' };
}

/**
 * The graph is done: evaluate the run's output (within the expression budget and the
 * output size budget) and finish it COMPLETED, or FAILED when either is exceeded.
 */
async function completeRun(
  definition: WorkflowDefinition,
  scope: Scope,
  budgets: RunBudgets,
  finish: (status: typeof RunStatus.COMPLETED, output: unknown, error: null) => Promise<ExecutionResult>,
  fail: (error: RunError) => Promise<ExecutionResult>,
): Promise<ExecutionResult> {
  let output: unknown;
  try {
    output = definition.output === undefined ? lastStepOutput(definition, scope) : await evaluateValue(definition.output, scope, budgets.expression);
  } catch (error) {
    const code = error instanceof ExpressionLimitError ? `${error.code}: ` : '';
    return fail({ code: RunErrorCode.WORKFLOW_FAILED, message: `The output expression failed: ${code}${(error as Error).message}` });
  }
  const bytes = oversizeOf(output, budgets.maxOutputBytes);
  if (bytes !== null) return fail({ code: RunErrorCode.WORKFLOW_FAILED, message: `The run's output failed: OUTPUT_TOO_LARGE: ${tooLargeMessage('it', bytes, budgets.maxOutputBytes)}` });
  return finish(RunStatus.COMPLETED, output, null);
}

/** Without an `output:` in the definition, a run's output is the last step's. */
function lastStepOutput(definition: WorkflowDefinition, scope: Scope): unknown {
  const last = definition.steps[definition.steps.length - 1]!;
  return scope.steps[last.id]?.output ?? null;
}
