import type { StepDefinition } from '../workflow/definition.js';
import { stepDependencies } from '../workflow/step-graph.js';

/**
 * The steps in an order that respects their dependencies, stable with respect to the
 * file's order. Definitions are validated acyclic when applied.
 */
export function topologicalOrder(steps: readonly StepDefinition[]): StepDefinition[] {
  const deps = stepDependencies(steps);
  const done = new Set<string>();
  const ordered: StepDefinition[] = [];
  while (ordered.length < steps.length) {
    const next = steps.find((s) => !done.has(s.id) && (deps.get(s.id) ?? []).every((d) => done.has(d)));
    if (!next) throw new Error('the step graph has a cycle');
    done.add(next.id);
    ordered.push(next);
  }
  return ordered;
}
