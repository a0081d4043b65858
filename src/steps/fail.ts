import type { StepType } from './step-type.js';

/** `fail`: fails the run with `with.message`; never retried. */
export const failStep: StepType = {
  type: 'fail',
  description: 'Fails the run with with.message.',
  withKeys: ['message'],
  async run(input) {
    const message = input.message === undefined || input.message === null ? 'failed by a fail step' : String(input.message);
    return { kind: 'failed', message, retryable: false };
  },
};
