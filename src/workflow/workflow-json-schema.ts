import { StepDefinitionSchema, WorkflowDefinitionSchema } from './definition.js';
import type { StepTypeShape } from './check-steps.js';

/** What the schema tells an editor of one step type. */
export type StepTypeDescription = StepTypeShape & { description?: string };

type JsonObject = Record<string, unknown>;

/** A plain JSON copy of a TypeBox schema (its symbol keys dropped). */
const plain = (schema: unknown): JsonObject => JSON.parse(JSON.stringify(schema)) as JsonObject;

/**
 * The JSON Schema (draft 2020-12) of a workflow definition file, generated from the same
 * TypeBox schemas apply validates with (src/workflow/definition.ts), for editors such as
 * VS Code's YAML extension. Each step type adds what apply checks of its `with` block: the
 * keys it accepts and needs. Values stay unconstrained, since any of them may be a
 * `{{ expression }}`; apply checks the rest (graph, expressions, durations).
 *
 * @example
 * writeFileSync('schemas/workflow.schema.json', JSON.stringify(workflowJsonSchema(createStepRegistry()), null, 2));
 */
export function workflowJsonSchema(stepTypes: ReadonlyMap<string, StepTypeDescription>): JsonObject {
  const root = plain(WorkflowDefinitionSchema);
  const step = plain(StepDefinitionSchema);
  const stepProperties = step.properties as Record<string, JsonObject>;
  const known = [...stepTypes.keys()];
  stepProperties.type = {
    description: `The step type: a built-in one (${known.join(', ')}) or one the host registers.`,
    anyOf: [{ enum: known }, { type: 'string', minLength: 1 }],
  };
  step.allOf = [...stepTypes].map(([name, shape]) => ({
    if: { properties: { type: { const: name } }, required: ['type'] },
    then: { properties: { with: withSchema(shape) } },
  }));
  step.description = 'One step; it runs when the steps it `needs` are done (without needs: after the step before it).';
  (root.properties as Record<string, JsonObject>).steps = { type: 'array', minItems: 1, items: { $ref: '#/$defs/step' } };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Slipway workflow definition',
    description: 'A Slipway workflow file (SPEC §5). Strings in `with`, `if` and `output` may hold JSONata `{{ expressions }}`.',
    ...root,
    $defs: { step },
  };
}

function withSchema(shape: StepTypeDescription): JsonObject {
  const properties: Record<string, JsonObject> = {};
  for (const [key, value] of Object.entries(shape.input.properties ?? {})) {
    const description = (value as { description?: unknown }).description;
    properties[key] = key === shape.nestedSteps
      ? { type: 'array', minItems: 1, items: { $ref: '#/$defs/step' } }
      : typeof description === 'string' ? { description } : {};
  }
  return {
    type: 'object',
    ...(shape.description !== undefined && { description: shape.description }),
    properties,
    ...(shape.input.required?.length ? { required: shape.input.required } : {}),
    ...(shape.input.additionalProperties === false && { additionalProperties: false }),
  };
}
