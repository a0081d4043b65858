import type { StepDefinition } from './definition.js';

/**
 * The step graph: each step's dependencies. A step with `needs` depends on those steps;
 * a step without `needs` follows the step before it; `needs: []` makes it a root.
 */
export function stepDependencies(steps: readonly StepDefinition[]): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  steps.forEach((step, i) => {
    if (step.needs !== undefined) deps.set(step.id, [...step.needs]);
    else deps.set(step.id, i === 0 ? [] : [steps[i - 1]!.id]);
  });
  return deps;
}
