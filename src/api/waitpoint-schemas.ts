import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Pagination } from './schemas.js';

/** Wire schemas of waitpoints and events (SPEC §7). Imports nothing from `node:` (the dashboard uses the types). */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC with milliseconds' });

export const WaitpointKindSchema = Type.Union([Type.Literal('approval'), Type.Literal('callback'), Type.Literal('event')]);
export const WaitpointStatusSchema = Type.Union([Type.Literal('OPEN'), Type.Literal('COMPLETED'), Type.Literal('TIMED_OUT'), Type.Literal('CANCELED')]);

export const WaitpointSchema = Type.Object(
  {
    waitpoint_id: Type.String(),
    run_id: Type.String(),
    workflow_id: Type.String(),
    step_id: Type.String(),
    kind: WaitpointKindSchema,
    status: WaitpointStatusSchema,
    prompt: Nullable(Type.String()),
    fields: Nullable(Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'Approval form items, shaped like workflow inputs' })),
    event: Nullable(Type.String()),
    created_at: Timestamp,
    expires_at: Nullable(Timestamp),
    completed_at: Nullable(Timestamp),
    decision: Nullable(Type.Union([Type.Literal('approved'), Type.Literal('rejected'), Type.Literal('received'), Type.Literal('timed_out')])),
    data: Type.Unknown(),
    completed_by: Nullable(Type.String({ description: 'The token name, or `callback` / `event`' })),
    approve_url: Type.String({ description: "The dashboard's approval page for this waitpoint" }),
    callback_url: Nullable(Type.String({ description: 'kind callback: the token-less URL that completes it (its last segment is the secret)' })),
    notify_error: Nullable(Type.String({ description: 'Why the step\'s notify request failed, if it did' })),
  },
  { $id: 'Waitpoint' },
);
export type WaitpointResponse = Static<typeof WaitpointSchema>;

const WaitpointId = Type.String({ description: 'The waitpoint id', examples: ['019a0c1e-7b3f-7c4e-9d2a-5b6c7d8e9f02'] });
export const WaitpointIdParams = Type.Object({ waitpointId: WaitpointId });
export const WaitpointCallbackParams = Type.Object({
  waitpointId: WaitpointId,
  secret: Type.String({ description: 'The last segment of `callback_url`', examples: ['3q2-7wQx9aVb1cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3'] }),
});

export const ListWaitpointsQuery = Type.Object(
  {
    status: Type.Optional(WaitpointStatusSchema),
    kind: Type.Optional(WaitpointKindSchema),
    workflow_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 15 })),
  },
  { additionalProperties: false },
);
export type ListWaitpointsQuery = Static<typeof ListWaitpointsQuery>;

export const ListWaitpointsResponse = Type.Object({ data: Type.Array(WaitpointSchema, { description: 'Newest first' }), pagination: Pagination });
export type ListWaitpointsResponse = Static<typeof ListWaitpointsResponse>;
export const RunWaitpointsResponse = Type.Object({ data: Type.Array(WaitpointSchema, { description: 'Oldest first' }) });
export type RunWaitpointsResponse = Static<typeof RunWaitpointsResponse>;

export const CompleteWaitpointBody = Type.Object(
  {
    decision: Type.Optional(Type.Union([Type.Literal('approved'), Type.Literal('rejected')], { description: 'Approvals only (required there)' })),
    data: Type.Optional(Type.Unknown({ description: 'Approval: values of the form\'s fields (checked when approved); callback, event: free JSON' })),
  },
  { additionalProperties: false },
);
export type CompleteWaitpointBody = Static<typeof CompleteWaitpointBody>;

export const CallbackResponse = Type.Object({ waitpoint_id: Type.String(), status: WaitpointStatusSchema });

export const SendEventBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    data: Type.Optional(Type.Unknown()),
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'De-duplication: the same id again within 24 h matches nothing' })),
  },
  { additionalProperties: false },
);
export type SendEventBody = Static<typeof SendEventBody>;
export const SendEventResponse = Type.Object({ event_id: Type.String(), matched: Type.Integer({ minimum: 0, description: 'Waitpoints this event completed' }) });
export type SendEventResponse = Static<typeof SendEventResponse>;
