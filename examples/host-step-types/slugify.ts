/**
 * A host-defined step type, loaded by `slipway serve` when configured:
 *
 *   SLIPWAY_STEP_TYPES=./examples/host-step-types/slugify.ts npm start
 *
 * then `slipway workflow apply examples/host-step-types/slug-demo.yaml --workspace 1 --publish`
 * (the CLI reads the same variable). See docs/WORKFLOWS.md, "Host step types".
 */
import { Type } from '@sinclair/typebox';
import { defineStepType } from '../../src/steps/step-type.js';

export const slugify = defineStepType({
  type: 'slugify',
  description: 'Turns with.text into a URL slug; output {slug}.',
  input: Type.Object(
    { text: Type.String(), maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) },
    { additionalProperties: false },
  ),
  // Pure computation: running it twice is harmless.
  idempotent: true,
  async run(input) {
    const slug = input.text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, input.maxLength ?? 80);
    return slug ? { kind: 'completed', output: { slug } } : { kind: 'failed', message: `"${input.text}" has no letters or digits to make a slug of`, retryable: false };
  },
});

export default [slugify];
