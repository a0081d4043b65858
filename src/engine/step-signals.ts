import { timeoutSignal } from '../core/clock.js';
import { parseDuration } from '../core/duration.js';
import type { StepOutcome } from '../core/outcomes.js';
import type { StepDefinition } from '../workflow/definition.js';
import type { ExecutionEnv } from './execution-env.js';

/**
 * The attempt's signal: the graph's (lease stopped, a failed sibling), the step's timeout,
 * the run's deadline; the timeouts run on the env's clock. `cancel` stops their timers.
 */
export function attemptSignal(env: ExecutionEnv, step: StepDefinition, graphSignal: AbortSignal): { signal: AbortSignal; cancel: () => void } {
  const limits = [graphSignal];
  const timers: (() => void)[] = [];
  const addTimeout = (ms: number) => {
    const timeout = timeoutSignal(env.clock, ms);
    limits.push(timeout.signal);
    timers.push(timeout.cancel);
  };
  const stepTimeout = step.timeout === undefined ? null : parseDuration(step.timeout);
  if (stepTimeout !== null) addTimeout(stepTimeout);
  if (env.deadline !== null) addTimeout(Math.max(0, env.deadline - env.clock.now()));
  // Without a timeout the graph's signal is the attempt's (no AbortSignal.any per step).
  if (limits.length === 1) return { signal: graphSignal, cancel: () => {} };
  return { signal: AbortSignal.any(limits), cancel: () => timers.forEach((cancel) => cancel()) };
}

/** Runs a step, turning a throw or an abort into a failed outcome. */
export async function runWithSignal(run: () => Promise<StepOutcome>, signal: AbortSignal): Promise<StepOutcome> {
  if (signal.aborted) return { kind: 'failed', message: abortMessage(signal) };
  let onAbort: () => void = () => {};
  const aborted = new Promise<StepOutcome>((resolve) => {
    onAbort = () => resolve({ kind: 'failed', message: abortMessage(signal) });
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([run(), aborted]);
  } catch (error) {
    if (signal.aborted) return { kind: 'failed', message: abortMessage(signal) };
    return { kind: 'failed', message: (error as Error).message ?? String(error) };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function abortMessage(signal: AbortSignal): string {
  const reason = signal.reason as Error | undefined;
  return reason?.name === 'TimeoutError' ? 'the step timed out' : `the step was interrupted (${reason?.message ?? 'aborted'})`;
}
