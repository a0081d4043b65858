import { Type } from '@sinclair/typebox';
import { defineStepType } from './step-type.js';

/** `fail`: fails the run with `with.message`; never retried. */
export const failStep = defineStepType({
  type: 'fail',
  description: 'Fails the run with with.message.',
  input: Type.Object({ message: Type.Optional(Type.Unknown()) }, { additionalProperties: false }),
  idempotent: true,
  retryable: false,
  async run(input) {
    const message = input.message === undefined || input.message === null ? 'failed by a fail step' : String(input.message);
    return { kind: 'failed', message, retryable: false };
  },
});
