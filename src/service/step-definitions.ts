/** Reading a step's settings out of a pinned definition by its checkpoint id. */

interface StepShape {
  id?: unknown;
  type?: unknown;
  retry?: { maxAttempts?: unknown };
  with?: { steps?: unknown };
}

/** `<mapId>[<index>].<subId>`: a `map` item's sub-step, as checkpoints name it. */
const MAP_SUB_STEP = /^([^[]+)\[\d+\]\.(.+)$/;

/**
 * The definition of the step a checkpoint names, `map` sub-steps included (`items[2].fetch`),
 * or null when the definition has no such step.
 *
 * @example
 * findStepDefinition({ steps: [{ id: 'each', type: 'map', with: { steps: [{ id: 'fetch' }] } }] }, 'each[2].fetch'); // { id: 'fetch' }
 */
export function findStepDefinition(definition: unknown, stepId: string): StepShape | null {
  const steps = (definition as { steps?: unknown } | null)?.steps;
  return findIn(Array.isArray(steps) ? (steps as StepShape[]) : [], stepId);
}

function findIn(steps: StepShape[], stepId: string): StepShape | null {
  const direct = steps.find((step) => step.id === stepId);
  if (direct) return direct;
  const sub = MAP_SUB_STEP.exec(stepId);
  if (!sub) return null;
  const map = steps.find((step) => step.id === sub[1]);
  const nested = map?.with?.steps;
  return Array.isArray(nested) ? findIn(nested as StepShape[], sub[2]!) : null;
}

/** How many attempts the step gets in all (`retry.maxAttempts`, default 1); null when the step is unknown. */
export function maxAttemptsOfStep(definition: unknown, stepId: string): number | null {
  const step = findStepDefinition(definition, stepId);
  if (!step) return null;
  const max = step.retry?.maxAttempts;
  return typeof max === 'number' ? max : 1;
}
