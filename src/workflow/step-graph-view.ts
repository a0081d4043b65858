import type { StepDefinition } from './definition.js';
import { stepDependencies } from './step-graph.js';

/** A step of the graph the dashboard draws: its id, type, edges and, for `map`, its sub-steps. */
export interface StepGraphNodeView {
  id: string;
  type: string;
  needs: string[];
  children?: StepGraphNodeView[];
}

/** The definition's steps as graph nodes, with nested steps (a `map`'s `with.steps`) as children. */
export function stepGraphNodes(steps: readonly StepDefinition[]): StepGraphNodeView[] {
  const deps = stepDependencies(steps);
  return steps.map((step) => {
    const nested = step.with?.steps;
    const node: StepGraphNodeView = { id: step.id, type: step.type, needs: deps.get(step.id) ?? [] };
    if (Array.isArray(nested) && nested.every((s) => typeof s === 'object' && s !== null && typeof (s as StepDefinition).id === 'string')) {
      node.children = stepGraphNodes(nested as StepDefinition[]);
    }
    return node;
  });
}
