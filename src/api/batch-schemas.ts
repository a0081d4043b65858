import { Type, type Static } from '@sinclair/typebox';
import { CreateRunResponse } from './schemas.js';

/**
 * Batch create (SPEC §15). An item's own fields are checked by the service, item by item
 * (a bad item is answered in its place, `invalid_request`), so the body schema checks only
 * what makes the whole request bad: `runs` missing, not an array of objects, 0 or over 1,000 items.
 */
export const BatchRunItem = Type.Object(
  {
    inputs: Type.Optional(Type.Unknown({ description: "Values for the workflow's inputs, by variableName (an object; required)" })),
    metadata: Type.Optional(Type.Unknown({ description: 'Free-form object, at most 16 KiB as JSON' })),
    idempotency_key: Type.Optional(Type.Unknown({ description: 'As the single create\'s Idempotency-Key: 1 to 255 characters, scoped to the workspace' })),
    priority: Type.Optional(Type.Unknown({ description: 'As the single create\'s priority (SPEC §12)' })),
    delay: Type.Optional(Type.Unknown({ description: 'As the single create\'s delay' })),
    not_before: Type.Optional(Type.Unknown({ description: 'As the single create\'s not_before' })),
    ttl: Type.Optional(Type.Unknown({ description: 'As the single create\'s ttl' })),
  },
  { $id: 'BatchRunItem', additionalProperties: true },
);

export const CreateRunBatchBody = Type.Object(
  { runs: Type.Array(BatchRunItem, { minItems: 1, maxItems: 1000, description: '1 to 1,000 runs to create, judged one by one in this order' }) },
  { $id: 'CreateRunBatchRequest', additionalProperties: true },
);
export type CreateRunBatchBody = Static<typeof CreateRunBatchBody>;

export const BatchItemError = Type.Object(
  {
    error: Type.Object({
      error: Type.String({ description: 'The code the single create would have answered: invalid_request, invalid_inputs, idempotency_conflict, daily_run_limit_exceeded, …' }),
      message: Type.String(),
      details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    }),
  },
  { $id: 'BatchItemError' },
);

export const BatchCreatedRun = Type.Object(
  { ...CreateRunResponse.properties, replayed: Type.Optional(Type.Literal(true, { description: 'Present when the item\'s idempotency_key named an existing run (or one earlier in the batch)' })) },
  { $id: 'BatchCreatedRun' },
);

export const CreateRunBatchResponse = Type.Object(
  { data: Type.Array(Type.Union([BatchCreatedRun, BatchItemError]), { description: 'One entry per item, in request order' }) },
  { $id: 'CreateRunBatchResponse' },
);
export type CreateRunBatchResponse = Static<typeof CreateRunBatchResponse>;
