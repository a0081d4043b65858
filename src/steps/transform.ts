import { Type } from '@sinclair/typebox';
import { defineStepType } from './step-type.js';

/** `transform`: its output is `with.value`, after expression evaluation. */
export const transformStep = defineStepType({
  type: 'transform',
  description: 'Outputs with.value (expressions evaluated).',
  input: Type.Object({ value: Type.Unknown() }, { additionalProperties: false }),
  idempotent: true,
  pure: true,
  async run(input) {
    return { kind: 'completed', output: input.value ?? null };
  },
});
