import { delayStep } from './delay.js';
import { failStep } from './fail.js';
import type { StepType, StepTypeRegistry } from './step-type.js';
import { transformStep } from './transform.js';

export const BUILTIN_STEP_TYPES: readonly StepType[] = [transformStep, delayStep, failStep];

/** The registry of step types: the built-ins plus the host's own. A host type may not shadow a built-in. */
export function createStepRegistry(extra: readonly StepType[] = []): StepTypeRegistry {
  const registry = new Map<string, StepType>();
  for (const stepType of [...BUILTIN_STEP_TYPES, ...extra]) {
    if (registry.has(stepType.type)) throw new Error(`step type "${stepType.type}" is registered twice`);
    registry.set(stepType.type, stepType);
  }
  return registry;
}
