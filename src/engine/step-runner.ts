import { assertNever } from '../core/assert-never.js';
import type { NestedOutcome, StepResult } from '../core/outcomes.js';
import { BUDGET_STEP_ERROR_CODES, StepErrorCode, StepStatus } from '../core/states.js';
import type { StepContext, StepType } from '../steps/step-type.js';
import type { RunError, StepAttempt } from '../store/store.js';
import type { StepDefinition } from '../workflow/definition.js';
import { evaluateValue } from '../workflow/expressions.js';
import { OUTPUT_TOO_LARGE, oversizeOf, tooLargeMessage } from './budgets.js';
import { INTERRUPTED } from './checkpoints.js';
import { createDeltaPublisher } from './delta-publisher.js';
import type { ExecutionEnv, Scope } from './execution-env.js';
import { maxAttempts, retryDelayMs } from './retry-policy.js';
import { prepareInput } from './step-input.js';
import { createLogBuffer } from './step-log-buffer.js';
import { attemptSignal, runWithSignal } from './step-signals.js';

export type RunNested = (steps: unknown[], key: string, extra: Record<string, unknown>, signal: AbortSignal) => Promise<NestedOutcome>;

/**
 * Runs one attempt of one step from its checkpoint, and records it: a step whose last
 * attempt was cut short (RUNNING at pickup) is marked INTERRUPTED and runs again; a
 * WAITING step (a delay, a child run) is resumed and answers for itself whether it is
 * done; a failure with attempts left becomes a wait until the retry is due.
 */
export async function runStep(env: ExecutionEnv, step: StepDefinition, id: string, scope: Scope, graphSignal: AbortSignal, runNested: RunNested): Promise<StepResult> {
  const { clock, checkpoints } = env;
  const stepType = env.stepTypes.get(step.type);
  let latest = checkpoints.latest(id);
  if (latest?.status === StepStatus.RUNNING) {
    // SLIPWAY_MAX_CLAIMS: a step that keeps stopping its worker (kill, crash, stall) fails the run.
    const stops = checkpoints.interruptions(id) + 1;
    if (stops >= env.budgets.maxClaims) {
      const message = `it stopped its worker ${stops} times (SLIPWAY_MAX_CLAIMS is ${env.budgets.maxClaims})`;
      const final = { ...latest, status: StepStatus.FAILED, error: { code: TOO_MANY_CLAIMS, message }, finishedAt: clock.now(), wakeAt: null };
      return (await save(env, final)) ? { kind: 'failed', message } : stopped(env);
    }
    const interrupted = { ...latest, status: StepStatus.FAILED, error: { code: INTERRUPTED, message: 'the worker running this attempt stopped' }, finishedAt: clock.now() };
    if (!(await save(env, interrupted))) return stopped(env);
    latest = interrupted;
  }
  // A final failure recorded before a crash: the run was failing; do not run the step again.
  if (latest?.status === StepStatus.FAILED && latest.wakeAt === null && latest.error?.code !== INTERRUPTED) {
    return { kind: 'failed', message: latest.error?.message ?? 'failed' };
  }
  // A retry's backoff is kept to the letter. A WAITING step is asked again whenever its run
  // is picked up, even early (a child run that finished wakes its parent): the step type
  // answers `waiting` again when it is not done, as `delay` does before its due time.
  const retryAt = latest?.status === StepStatus.FAILED ? latest.wakeAt : null;
  if (retryAt !== null && retryAt !== undefined && retryAt > clock.now()) return { kind: 'waiting', until: retryAt };

  const resuming = latest?.status === StepStatus.WAITING ? latest : null;
  const attempt: StepAttempt = {
    runId: env.run.id,
    stepId: id,
    attempt: resuming ? resuming.attempt : (latest?.attempt ?? 0) + 1,
    stepType: step.type,
    status: StepStatus.RUNNING,
    input: resuming ? resuming.input : null,
    output: null,
    error: null,
    startedAt: resuming ? resuming.startedAt : clock.now(),
    finishedAt: null,
    // A resumed wait keeps its due time on record (a completed delay shows when it was due).
    wakeAt: resuming ? resuming.wakeAt : null,
  };
  const finish = async (status: StepAttempt['status'], changes: Partial<StepAttempt>, result: StepResult): Promise<StepResult> =>
    (await save(env, Object.assign(attempt, { status, finishedAt: clock.now(), ...changes }))) ? result : stopped(env);
  const failWith = (error: RunError, retryable: boolean) => failOrRetry(env, step, stepType, attempt, error, retryable, graphSignal);

  if (!stepType) return failWith({ code: StepErrorCode.UNKNOWN_STEP_TYPE, message: `step type "${step.type}" is not registered in this process` }, false);
  // What the step receives: its input with secrets filled in (the checkpoint keeps placeholders).
  let runInput: unknown = attempt.input;
  if (!resuming) {
    const prepared = await prepareInput(env, step, stepType, scope);
    if (prepared.kind === 'skip') return finish(StepStatus.SKIPPED, {}, { kind: 'skipped' });
    if (prepared.kind === 'invalid') return failWith(prepared.error, false);
    attempt.input = prepared.input;
    runInput = prepared.runInput;
    if (!(await save(env, attempt, startGoesWithNextWrite(env, stepType) ? 'queued' : 'written'))) return stopped(env);
  }
  // A resumed wait is not re-recorded as RUNNING: if the worker dies while it looks again,
  // the next one resumes the same attempt (the same child run, the same due time).

  const { signal, cancel: cancelTimeouts } = attemptSignal(env, step, graphSignal);
  // Streamed text (an `llm` step with `stream: true`) becomes coalesced `step.delta` events.
  // Streamed text is masked too; a secret split across two coalesced chunks is not (docs/DECISIONS.md, issue 17).
  const deltas = createDeltaPublisher(async (text) => env.lease.appendDelta(id, attempt.attempt, await env.secrets.mask(text)), clock);
  const logs = createLogBuffer(env, id, attempt.attempt);
  const ctx: StepContext = {
    runId: env.run.id,
    workspaceId: env.run.workspaceId,
    workflowId: env.run.workflowId,
    stepId: id,
    attempt: attempt.attempt,
    idempotencyKey: `${env.run.id}:${id}`,
    signal,
    now: () => clock.now(),
    resumedFrom: resuming?.wakeAt != null ? { wakeAt: resuming.wakeAt } : null,
    runNested: (steps, key, extra) => runNested(steps, key, extra, signal),
    childRuns: env.childRuns,
    limits: { mapItems: env.budgets.maxMapItems },
    streamText: (text) => deltas.push(text),
    log: (level, message, fields) => logs.push(level, message, fields),
    ...(env.waitpoints ? { waitpoints: env.waitpoints } : {}),
    expressions: { scope, evaluate: (value, extra) => evaluateValue(value, { ...scope, ...extra }, env.budgets.expression) },
  };
  // An outbound call (`http`, `llm`) gets a client span; the peer receives its `traceparent`.
  const call = env.tracer.clientCall(env.run, attempt);
  if (call) ctx.traceparent = call.traceparent;
  const outcome = await runWithSignal(() => stepType.run(runInput as never, ctx), signal).finally(cancelTimeouts);
  call?.end(outcome.kind === 'completed' ? { kind: 'completed', output: outcome.output } : outcome.kind === 'failed' ? { kind: 'failed', message: outcome.message } : { kind: 'other' });
  // No delta may land after the attempt's outcome (which deletes its deltas).
  await deltas.stop();
  if (outcome.kind === 'waiting') logs.push('info', `waiting until ${new Date(outcome.until).toISOString()}`);
  await logs.flush();
  // The lease stopped while the step ran: write nothing (an interrupted attempt stays RUNNING, to be redone).
  if (env.lease.stopReason() !== null) return stopped(env);
  if (env.deadline !== null && clock.now() >= env.deadline) {
    return finish(StepStatus.FAILED, { error: { code: StepErrorCode.TIMEOUT, message: 'the run timed out' } }, { kind: 'timed_out' });
  }
  switch (outcome.kind) {
    case 'completed': {
      const bytes = oversizeOf(outcome.output, env.budgets.maxOutputBytes);
      if (bytes !== null) return failWith({ code: OUTPUT_TOO_LARGE, message: tooLargeMessage('the output', bytes, env.budgets.maxOutputBytes) }, false);
      // Later steps see the output as stored: with any secret value masked.
      const output = await env.secrets.mask(outcome.output ?? null);
      return finish(StepStatus.COMPLETED, { output }, { kind: 'completed', output });
    }
    case 'waiting':
      if (!(await save(env, Object.assign(attempt, { status: StepStatus.WAITING, wakeAt: outcome.until })))) return stopped(env);
      return { kind: 'waiting', until: outcome.until };
    case 'failed':
      return failWith({ code: outcome.code ?? StepErrorCode.STEP_FAILED, message: outcome.message }, outcome.retryable !== false);
    default:
      return assertNever(outcome);
  }
}

/**
 * A pure step (`transform`) runs while its start is on its way: a crash runs it again either
 * way. Only on a run's first claim: from a takeover on, every start is on record before the
 * step runs, so a step that kills its worker is counted by SLIPWAY_MAX_CLAIMS (one death later).
 */
function startGoesWithNextWrite(env: ExecutionEnv, stepType: StepType): boolean {
  return stepType.pure === true && env.run.claimCount === 1;
}

/** A write was refused or skipped because the lease stopped: say how. */
function stopped(env: ExecutionEnv): StepResult {
  return { kind: env.lease.stopReason() ?? 'lost' };
}

/** Records a step as SKIPPED without running it (its needed steps were all skipped). */
export async function recordSkip(env: ExecutionEnv, step: StepDefinition, id: string): Promise<StepResult> {
  const now = env.clock.now();
  const latest = env.checkpoints.latest(id);
  const attempt: StepAttempt = {
    runId: env.run.id, stepId: id, attempt: (latest?.attempt ?? 0) + 1, stepType: step.type, status: StepStatus.SKIPPED,
    input: null, output: null, error: null, startedAt: now, finishedAt: now, wakeAt: null,
  };
  return (await save(env, attempt)) ? { kind: 'skipped' } : stopped(env);
}

async function failOrRetry(
  env: ExecutionEnv,
  step: StepDefinition,
  stepType: StepType | undefined,
  attempt: StepAttempt,
  error: RunError,
  retryable: boolean,
  graphSignal: AbortSignal,
): Promise<StepResult> {
  const now = env.clock.now();
  const failures = env.checkpoints.countedFailures(attempt.stepId) + 1;
  const retry = retryable && stepType?.retryable !== false && !graphSignal.aborted && failures < maxAttempts(step.retry);
  const wakeAt = retry ? now + retryDelayMs(step.retry, failures, env.random) : null;
  if (!(await save(env, Object.assign(attempt, { status: StepStatus.FAILED, error, finishedAt: now, wakeAt })))) return stopped(env);
  const line = wakeAt !== null
    ? `attempt ${attempt.attempt} failed (${error.code}); retrying at ${new Date(wakeAt).toISOString()}`
    : `attempt ${attempt.attempt} failed (${error.code}); no retry left`;
  const retryLog = createLogBuffer(env, attempt.stepId, attempt.attempt);
  retryLog.push(wakeAt !== null ? 'warn' : 'error', line, { message: error.message });
  await retryLog.flush();
  // A budget's code goes into the run's error message, so the message names the budget.
  const message = BUDGET_CODES.has(error.code) ? `${error.code}: ${error.message}` : error.message;
  return wakeAt !== null ? { kind: 'waiting', until: wakeAt } : { kind: 'failed', message };
}

/** Step error codes of the budgets of SPEC §16 (never retried). */
const BUDGET_CODES = BUDGET_STEP_ERROR_CODES;
/** The step error of a step that stopped its worker SLIPWAY_MAX_CLAIMS times. */
const TOO_MANY_CLAIMS = StepErrorCode.TOO_MANY_CLAIMS;

async function save(env: ExecutionEnv, attempt: StepAttempt, runAfter: 'written' | 'queued' = 'written'): Promise<boolean> {
  // No secret value is stored in a checkpoint (SPEC §13); errors may quote a response that echoed one.
  attempt.output = await env.secrets.mask(attempt.output);
  attempt.error = await env.secrets.mask(attempt.error);
  const saved = await env.lease.saveAttempt(attempt, { runAfter });
  if (saved) {
    env.checkpoints.remember(attempt);
    env.tracer.attemptSaved(env.run, attempt);
  }
  return saved;
}
