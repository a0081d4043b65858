import { Type, type Static } from '@sinclair/typebox';
import { ScheduleDefinitionSchema } from './schedule-definition.js';

/**
 * The workflow definition file (SPEC §5), as a TypeBox schema: the structural check
 * of `slipway workflow apply`, and the TypeScript types of a parsed definition.
 */

export const INPUT_TYPES = [
  'text', 'textarea', 'number', 'integer', 'boolean', 'url', 'email', 'select', 'multiselect', 'date', 'json',
] as const;
export type InputType = (typeof INPUT_TYPES)[number];

export const OUTPUT_TYPES = ['text', 'markdown', 'json', 'html'] as const;

const Duration = Type.Union([Type.String({ minLength: 1 }), Type.Integer({ minimum: 0 })]);

const SelectOption = Type.Union([
  Type.String(),
  Type.Object({ label: Type.String(), value: Type.String() }, { additionalProperties: false }),
]);

export const InputDefinitionSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1 })),
    variableName: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
    label: Type.Optional(Type.String()),
    type: Type.Union(INPUT_TYPES.map((t) => Type.Literal(t))),
    required: Type.Optional(Type.Boolean()),
    options: Type.Optional(Type.Array(SelectOption, { minItems: 1 })),
    default: Type.Optional(Type.Unknown()),
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type InputDefinition = Static<typeof InputDefinitionSchema>;

export const RetryPolicySchema = Type.Object(
  {
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    backoff: Type.Optional(Type.Union([Type.Literal('fixed'), Type.Literal('exponential')])),
    delay: Type.Optional(Duration),
    maxDelay: Type.Optional(Duration),
    jitter: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type RetryPolicy = Static<typeof RetryPolicySchema>;

export const StepDefinitionSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,63}$' }),
    type: Type.String({ minLength: 1 }),
    needs: Type.Optional(Type.Array(Type.String())),
    if: Type.Optional(Type.Union([Type.String(), Type.Boolean()])),
    with: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    retry: Type.Optional(RetryPolicySchema),
    timeout: Type.Optional(Duration),
  },
  { additionalProperties: false },
);
export type StepDefinition = Static<typeof StepDefinitionSchema>;

export const WorkflowDefinitionSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String()),
    categories: Type.Optional(Type.Array(Type.String())),
    emoji: Type.Optional(Type.String()),
    color: Type.Optional(Type.String()),
    readme: Type.Optional(Type.String()),
    inputs: Type.Optional(Type.Array(InputDefinitionSchema)),
    outputType: Type.Optional(Type.Union(OUTPUT_TYPES.map((t) => Type.Literal(t)))),
    timeout: Type.Optional(Duration),
    /** Flow control (SPEC §12): at most `limit` runs with the same `key` value STARTING/RUNNING at once. */
    concurrency: Type.Optional(Type.Object(
      {
        key: Type.Optional(Type.String({ minLength: 1, description: 'A template over inputs and run.metadata, e.g. "{{ inputs.customerId }}"; without it the limit is for all runs of the workflow' })),
        limit: Type.Integer({ minimum: 1, maximum: 10000, description: 'Runs with the same key value that may be STARTING/RUNNING at once' }),
      },
      { additionalProperties: false, description: 'Per-key concurrency: runs over the limit stay QUEUED while other keys keep flowing' },
    )),
    /** A queued run not claimed within this long after it became claimable ends CANCELED (`expired`); a create's `ttl` overrides it. */
    ttl: Type.Optional(Duration),
    /** What a run's `inputs` keys that are not inputs of the workflow do: `reject` (400 `invalid_inputs`, the default) or `ignore` (dropped). */
    additionalInputs: Type.Optional(Type.Union([Type.Literal('reject'), Type.Literal('ignore')], {
      description: "What keys of a run's inputs that are not inputs of the workflow do: reject (400 invalid_inputs, the default) or ignore (dropped)",
    })),
    steps: Type.Array(StepDefinitionSchema, { minItems: 1 }),
    output: Type.Optional(Type.Unknown()),
    schedules: Type.Optional(Type.Array(ScheduleDefinitionSchema, { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type WorkflowDefinition = Static<typeof WorkflowDefinitionSchema>;
