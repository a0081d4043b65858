import type { Clock } from '../core/clock.js';
import { parseDuration } from '../core/duration.js';
import { RunErrorCode, RunStatus, StepStatus } from '../core/states.js';
import type { StepContext, StepOutcome, StepTypeRegistry } from '../steps/step-type.js';
import type { Run, RunError, StepAttempt, Store } from '../store/store.js';
import type { StepDefinition, WorkflowDefinition } from '../workflow/definition.js';
import { evaluateValue } from '../workflow/expressions.js';
import { topologicalOrder } from './step-order.js';

/** How one execution of a claimed run ended, for the worker pool's bookkeeping. */
export type ExecutionResult =
  | { kind: 'finished'; status: typeof RunStatus.COMPLETED | typeof RunStatus.FAILED }
  | { kind: 'waiting'; until: number }
  | { kind: 'released' }
  | { kind: 'lost' };

export interface ExecuteOptions {
  workerId: string;
  /** Aborted when the lease is lost or shutdown's grace period ends. */
  signal: AbortSignal;
  /** True once shutdown began: finish the current step, then release the run. */
  isDraining: () => boolean;
}

interface StepState {
  output: unknown;
  status: string;
}

/**
 * Executes a claimed run from its checkpoints: steps whose latest attempt COMPLETED or
 * was SKIPPED are not run again; the others run in dependency order. Every write is
 * guarded by the worker's lease, so a worker that lost the run stops at its next write
 * and the run is never completed twice.
 */
export function createRunExecutor(deps: { store: Store; clock: Clock; stepTypes: StepTypeRegistry }) {
  const { store, clock } = deps;

  async function execute(run: Run, options: ExecuteOptions): Promise<ExecutionResult> {
    const { workerId } = options;
    const fail = async (error: RunError): Promise<ExecutionResult> => {
      const finished = await store.finishRun({ runId: run.id, workerId, status: RunStatus.FAILED, output: null, error, now: clock.now() });
      return finished ? { kind: 'finished', status: RunStatus.FAILED } : { kind: 'lost' };
    };

    const version = run.workflowVersion === null ? null : await store.getWorkflowVersion(run.workspaceId, run.workflowId, run.workflowVersion);
    if (!version) return fail({ code: RunErrorCode.START_FAILED, message: `Workflow "${run.workflowId}" has no published version to run.` });
    const definition = version.definition as WorkflowDefinition;
    if (!(await store.markRunRunning(run.id, workerId, clock.now()))) return { kind: 'lost' };

    const timeoutMs = definition.timeout === undefined ? null : parseDuration(definition.timeout);
    const deadline = timeoutMs === null ? null : (run.startedAt ?? run.createdAt) + timeoutMs;
    const timedOut = () => fail({ code: RunErrorCode.TIMEOUT, message: `The run exceeded its time limit of ${String(definition.timeout)}.` });
    if (deadline !== null && clock.now() >= deadline) return timedOut();

    const latest = latestAttempts(await store.listStepAttempts(run.id));
    const steps: Record<string, StepState> = {};
    const scope = { inputs: run.inputs, steps, run: { id: run.id, workflowId: run.workflowId, metadata: run.metadata } };

    for (const step of topologicalOrder(definition.steps)) {
      const previous = latest.get(step.id);
      if (previous && (previous.status === StepStatus.COMPLETED || previous.status === StepStatus.SKIPPED)) {
        steps[step.id] = { output: previous.output, status: previous.status };
        continue;
      }
      if (options.signal.aborted) return { kind: 'lost' };
      if (options.isDraining()) {
        return (await store.releaseRun(run.id, workerId, clock.now(), clock.now())) ? { kind: 'released' } : { kind: 'lost' };
      }
      if (deadline !== null && clock.now() >= deadline) return timedOut();
      if (previous?.status === StepStatus.WAITING && previous.wakeAt !== null && previous.wakeAt > clock.now()) {
        return wait(run, workerId, previous.wakeAt, deadline);
      }

      const result = await runStep(run, step, previous, scope, options, deadline);
      switch (result.kind) {
        case 'lost':
          return { kind: 'lost' };
        case 'skipped':
          steps[step.id] = { output: null, status: StepStatus.SKIPPED };
          break;
        case 'completed':
          steps[step.id] = { output: result.output, status: StepStatus.COMPLETED };
          break;
        case 'waiting':
          return wait(run, workerId, result.until, deadline);
        case 'failed':
          return fail({ code: RunErrorCode.WORKFLOW_FAILED, message: `Step "${step.id}" failed: ${result.message}` });
        case 'timed_out':
          return timedOut();
      }
    }

    let output: unknown;
    try {
      output = definition.output === undefined ? lastStepOutput(definition, steps) : await evaluateValue(definition.output, scope);
    } catch (error) {
      return fail({ code: RunErrorCode.WORKFLOW_FAILED, message: `The output expression failed: ${(error as Error).message}` });
    }
    const finished = await store.finishRun({ runId: run.id, workerId, status: RunStatus.COMPLETED, output, error: null, now: clock.now() });
    return finished ? { kind: 'finished', status: RunStatus.COMPLETED } : { kind: 'lost' };
  }

  async function wait(run: Run, workerId: string, until: number, deadline: number | null): Promise<ExecutionResult> {
    // A wait that outlives the run's deadline wakes at the deadline, to time the run out.
    const wakeAt = deadline === null ? until : Math.min(until, deadline);
    const released = await store.releaseRun(run.id, workerId, wakeAt, clock.now());
    return released ? { kind: 'waiting', until: wakeAt } : { kind: 'lost' };
  }

  type StepResult =
    | { kind: 'completed'; output: unknown }
    | { kind: 'skipped' }
    | { kind: 'failed'; message: string }
    | { kind: 'waiting'; until: number }
    | { kind: 'timed_out' }
    | { kind: 'lost' };

  async function runStep(
    run: Run,
    step: StepDefinition,
    previous: StepAttempt | undefined,
    scope: unknown,
    options: ExecuteOptions,
    deadline: number | null,
  ): Promise<StepResult> {
    const stepType = deps.stepTypes.get(step.type)!;
    const resuming = previous?.status === StepStatus.WAITING;
    const attempt: StepAttempt = {
      runId: run.id,
      stepId: step.id,
      attempt: resuming ? previous.attempt : (previous?.attempt ?? 0) + 1,
      stepType: step.type,
      status: StepStatus.RUNNING,
      input: null,
      output: null,
      error: null,
      startedAt: resuming ? previous.startedAt : clock.now(),
      finishedAt: null,
      wakeAt: null,
    };
    const save = (changes: Partial<StepAttempt>) => store.saveStepAttempt(options.workerId, Object.assign(attempt, changes));

    let input: Record<string, unknown>;
    try {
      if (step.if !== undefined) {
        const condition = typeof step.if === 'boolean' ? step.if : await evaluateValue(step.if, scope);
        if (!condition) {
          return (await save({ status: StepStatus.SKIPPED, finishedAt: clock.now() })) ? { kind: 'skipped' } : { kind: 'lost' };
        }
      }
      input = (await evaluateValue(step.with ?? {}, scope)) as Record<string, unknown>;
    } catch (error) {
      const message = `expression failed: ${(error as Error).message}`;
      return (await save({ status: StepStatus.FAILED, error: { code: 'EXPRESSION_FAILED', message }, finishedAt: clock.now() }))
        ? { kind: 'failed', message }
        : { kind: 'lost' };
    }
    if (!(await save({ status: StepStatus.RUNNING, input }))) return { kind: 'lost' };

    const stepTimeout = step.timeout === undefined ? null : parseDuration(step.timeout);
    const limits: AbortSignal[] = [options.signal];
    if (stepTimeout !== null) limits.push(AbortSignal.timeout(stepTimeout));
    if (deadline !== null) limits.push(AbortSignal.timeout(Math.max(0, deadline - clock.now())));
    const signal = AbortSignal.any(limits);
    const ctx: StepContext = {
      runId: run.id,
      workspaceId: run.workspaceId,
      workflowId: run.workflowId,
      stepId: step.id,
      attempt: attempt.attempt,
      signal,
      now: () => clock.now(),
      resumedFrom: resuming && previous.wakeAt !== null ? { wakeAt: previous.wakeAt } : null,
    };
    const outcome = await runWithSignal(() => stepType.run(input, ctx), signal);
    if (options.signal.aborted) return { kind: 'lost' };
    if (deadline !== null && clock.now() >= deadline) {
      await save({ status: StepStatus.FAILED, error: { code: 'TIMEOUT', message: 'the run timed out' }, finishedAt: clock.now() });
      return { kind: 'timed_out' };
    }
    switch (outcome.kind) {
      case 'completed':
        return (await save({ status: StepStatus.COMPLETED, output: outcome.output, finishedAt: clock.now() }))
          ? { kind: 'completed', output: outcome.output }
          : { kind: 'lost' };
      case 'waiting':
        return (await save({ status: StepStatus.WAITING, wakeAt: outcome.until })) ? { kind: 'waiting', until: outcome.until } : { kind: 'lost' };
      case 'failed':
        return (await save({ status: StepStatus.FAILED, error: { code: 'STEP_FAILED', message: outcome.message }, finishedAt: clock.now() }))
          ? { kind: 'failed', message: outcome.message }
          : { kind: 'lost' };
    }
  }

  return { execute };
}

export type RunExecutor = ReturnType<typeof createRunExecutor>;

/** Runs a step, turning a throw or an abort into a failed outcome. */
async function runWithSignal(run: () => Promise<StepOutcome>, signal: AbortSignal): Promise<StepOutcome> {
  if (signal.aborted) return { kind: 'failed', message: abortMessage(signal) };
  let onAbort: () => void = () => {};
  const aborted = new Promise<StepOutcome>((resolve) => {
    onAbort = () => resolve({ kind: 'failed', message: abortMessage(signal) });
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([run(), aborted]);
  } catch (error) {
    return { kind: 'failed', message: (error as Error).message ?? String(error) };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function abortMessage(signal: AbortSignal): string {
  const reason = signal.reason as Error | undefined;
  return reason?.name === 'TimeoutError' ? 'the step timed out' : `the step was interrupted (${reason?.message ?? 'aborted'})`;
}

function latestAttempts(attempts: StepAttempt[]): Map<string, StepAttempt> {
  const latest = new Map<string, StepAttempt>();
  for (const attempt of attempts) {
    const seen = latest.get(attempt.stepId);
    if (!seen || attempt.attempt > seen.attempt) latest.set(attempt.stepId, attempt);
  }
  return latest;
}

/** Without an `output:` in the definition, a run's output is the last step's. */
function lastStepOutput(definition: WorkflowDefinition, steps: Record<string, StepState>): unknown {
  const last = definition.steps[definition.steps.length - 1]!;
  return steps[last.id]?.output ?? null;
}
