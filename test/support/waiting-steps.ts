import { Type } from '@sinclair/typebox';
import { defineStepType } from '../../src/steps/step-type.js';
import { waitFor } from './wait-for.js';

/** Tags a test has let go of: a `hold` step with that tag completes. */
export const releasedHolds = new Set<string>();

/** Holds its worker slot until the test releases its tag (or the step is aborted). */
export const holdStep = defineStepType({
  type: 'hold',
  description: 'Holds a worker slot until released by the test.',
  input: Type.Object({ tag: Type.String() }, { additionalProperties: false }),
  idempotent: true,
  async run(input, ctx) {
    await waitFor(() => releasedHolds.has(input.tag) || ctx.signal.aborted, { timeoutMs: 300_000, intervalMs: 20 });
    return { kind: 'completed', output: input.tag };
  },
});

/** Fails every attempt, retryably. */
export const flakyStep = defineStepType({
  type: 'flaky',
  description: 'Fails every attempt (retryable).',
  input: Type.Object({}, { additionalProperties: false }),
  idempotent: true,
  async run() {
    return { kind: 'failed', message: 'flaky says no', retryable: true };
  },
});

export const HOLD_WORKFLOW = `
id: hold
name: Hold
inputs:
  - { variableName: tag, type: text, required: true }
steps:
  - { id: hold, type: hold, with: { tag: "{{ inputs.tag }}" } }
`;
export const GATE_WORKFLOW = `
id: gate
name: Gate
steps:
  - { id: review, type: wait, with: { kind: approval, prompt: Go?, timeout: 2h } }
`;
export const RETRY_WORKFLOW = `
id: retrying
name: Retrying
steps:
  - { id: shaky, type: flaky, retry: { maxAttempts: 3, delay: 1h, maxDelay: 2h } }
`;
export const DELAY_WORKFLOW = `
id: delayed
name: Delayed
steps:
  - { id: pause, type: delay, with: { duration: 1h } }
`;
