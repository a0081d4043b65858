import type { StepType } from './step-type.js';

/** `transform`: its output is `with.value`, after expression evaluation. */
export const transformStep: StepType = {
  type: 'transform',
  description: 'Outputs with.value (expressions evaluated).',
  withKeys: ['value'],
  requiredWithKeys: ['value'],
  async run(input) {
    return { kind: 'completed', output: input.value ?? null };
  },
};
