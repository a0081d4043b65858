import { StepStatus } from '../core/states.js';
import type { StepAttempt } from '../store/store.js';
import type { StepDefinition } from '../workflow/definition.js';
import { stepDependencies } from '../workflow/step-graph.js';

/** The step a replay starts from: a step id, or `@failed` (every failed step). */
export const FAILED_STEPS = '@failed';

export type ReplayPlan =
  | { kind: 'planned'; reuseStepIds: string[] }
  | { kind: 'unknown_step' }
  | { kind: 'incompatible'; message: string };

/**
 * Which checkpoints of the source run a replay from `fromStep` copies (SPEC §11): every
 * top-level step that is neither a replayed step nor one of its descendants, when its
 * newest attempt is COMPLETED or SKIPPED (the others run again), with the sub-steps a
 * `map` recorded under it. From `@failed`, the items of a failed `map` that completed are
 * copied too, so only its failed items run again. A step to reuse that the target version
 * lacks makes the replay incompatible.
 */
export function replayPlan(input: {
  fromStep: string;
  sourceSteps: readonly StepDefinition[];
  targetSteps: readonly StepDefinition[];
  attempts: readonly StepAttempt[];
}): ReplayPlan {
  const latest = new Map<string, StepAttempt>();
  for (const attempt of input.attempts) {
    const seen = latest.get(attempt.stepId);
    if (!seen || attempt.attempt > seen.attempt) latest.set(attempt.stepId, attempt);
  }
  const settled = (stepId: string) => {
    const status = latest.get(stepId)?.status;
    return status === StepStatus.COMPLETED || status === StepStatus.SKIPPED;
  };
  const failedOnly = input.fromStep === FAILED_STEPS;
  let starts: string[];
  if (failedOnly) {
    starts = input.sourceSteps.map((s) => s.id).filter((id) => latest.get(id)?.status === StepStatus.FAILED);
    if (starts.length === 0) return { kind: 'incompatible', message: 'The run has no failed step to replay from.' };
  } else {
    if (!input.sourceSteps.some((s) => s.id === input.fromStep)) return { kind: 'unknown_step' };
    starts = [input.fromStep];
  }

  const replayed = descendantsOf(input.sourceSteps, starts);
  const targetIds = new Set(input.targetSteps.map((s) => s.id));
  const reuse: string[] = [];
  for (const step of input.sourceSteps) {
    if (replayed.has(step.id) || !settled(step.id)) continue;
    if (!targetIds.has(step.id)) return { kind: 'incompatible', message: `The target version has no step "${step.id}" to reuse.` };
    reuse.push(step.id, ...nestedSettled(latest, step.id, settled));
  }
  if (failedOnly) for (const id of starts) reuse.push(...nestedSettled(latest, id, settled));
  return { kind: 'planned', reuseStepIds: reuse };
}

/** The sub-steps recorded under `stepId` (`<id>[<index>].<sub>`) whose newest attempt settled. */
function nestedSettled(latest: Map<string, StepAttempt>, stepId: string, settled: (id: string) => boolean): string[] {
  return [...latest.keys()].filter((id) => id.startsWith(`${stepId}[`) && settled(id));
}

/** `starts` and every step that depends on one of them, directly or not. */
function descendantsOf(steps: readonly StepDefinition[], starts: readonly string[]): Set<string> {
  const dependencies = stepDependencies(steps);
  const result = new Set(starts);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [id, needs] of dependencies) {
      if (!result.has(id) && needs.some((need) => result.has(need))) {
        result.add(id);
        grew = true;
      }
    }
  }
  return result;
}
