import { StepErrorCode, StepStatus } from '../core/states.js';
import type { StepAttempt } from '../store/store.js';

/** Error code of an attempt a crash or a lost lease cut short; it does not use up a retry. */
export const INTERRUPTED = StepErrorCode.INTERRUPTED;

/**
 * A run's step attempts as the executor sees them: loaded once when a worker picks the
 * run up, and kept current as the worker records attempts. Keyed by checkpoint id: the
 * step id, or `<mapId>[<index>].<subId>` inside a `map`.
 */
export function createCheckpoints(attempts: readonly StepAttempt[]) {
  const byStep = new Map<string, StepAttempt[]>();
  for (const attempt of attempts) remember(attempt);

  function remember(attempt: StepAttempt) {
    const list = byStep.get(attempt.stepId) ?? [];
    const at = list.findIndex((a) => a.attempt === attempt.attempt);
    if (at >= 0) list[at] = { ...attempt };
    else list.push({ ...attempt });
    list.sort((a, b) => a.attempt - b.attempt);
    byStep.set(attempt.stepId, list);
  }

  return {
    /** The step's newest attempt, if any. */
    latest(stepId: string): StepAttempt | undefined {
      const list = byStep.get(stepId);
      return list?.[list.length - 1];
    },
    /** Failed attempts that count against the step's `retry.maxAttempts` (interruptions do not). */
    countedFailures(stepId: string): number {
      return (byStep.get(stepId) ?? []).filter((a) => a.status === StepStatus.FAILED && a.error?.code !== INTERRUPTED).length;
    },
    /** Attempts of the step a stopped worker cut short (see SLIPWAY_MAX_CLAIMS). */
    interruptions(stepId: string): number {
      return (byStep.get(stepId) ?? []).filter((a) => a.error?.code === INTERRUPTED).length;
    },
    remember,
  };
}

export type Checkpoints = ReturnType<typeof createCheckpoints>;

/** True when the step's newest attempt means it needs no more work. */
export function isSettled(attempt: StepAttempt | undefined): boolean {
  return attempt?.status === StepStatus.COMPLETED || attempt?.status === StepStatus.SKIPPED;
}
