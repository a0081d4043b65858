import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The wire contract (SPEC §1–§3): request and response schemas. Fastify validates
 * requests with them, the OpenAPI document is generated from them, and their static
 * types are what the server, the client SDK, the CLI and the dashboard share.
 * This module imports nothing from `node:` so browsers can use it.
 */

export const API_PREFIX = '/workflow-service/api/public/v1';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC with milliseconds' });

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'Stable snake_case error code' }),
    message: Type.String(),
    request_id: Type.String(),
    details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { $id: 'ErrorBody', description: 'The body of every non-2xx answer' },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const RunStatusSchema = Type.Union(
  ['QUEUED', 'STARTING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED'].map((s) => Type.Literal(s)),
);

export const CreateRunBody = Type.Object(
  {
    inputs: Type.Record(Type.String(), Type.Unknown(), { description: "Values for the workflow's inputs, by variableName" }),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Free-form, at most 16 KiB as JSON' })),
  },
  { additionalProperties: true },
);
export type CreateRunBody = Static<typeof CreateRunBody>;

export const CreateRunResponse = Type.Object({
  run_id: Type.String(),
  status: Type.String(),
  workspace_id: Nullable(Type.Number()),
  workflow_execution_id: Nullable(Type.String()),
  status_url: Type.String(),
});
export type CreateRunResponse = Static<typeof CreateRunResponse>;

export const RunError = Type.Object({ code: Type.String(), message: Type.String() });

export const RunSchema = Type.Object(
  {
    run_id: Type.String(),
    workflow_id: Type.String(),
    status: RunStatusSchema,
    workspace_id: Nullable(Type.Number()),
    workflow_execution_id: Nullable(Type.String()),
    output: Type.Unknown({ description: 'Set when COMPLETED, else null' }),
    error: Nullable(RunError),
    created_at: Timestamp,
    updated_at: Timestamp,
    completed_at: Nullable(Timestamp),
    metadata: Nullable(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'Run' },
);
export type Run = Static<typeof RunSchema>;

export const CancelRunResponse = Type.Object({
  run_id: Type.String(),
  status: Type.Literal('CANCELED'),
  completed_at: Timestamp,
});
export type CancelRunResponse = Static<typeof CancelRunResponse>;

const SelectOption = Type.Union([Type.String(), Type.Object({ label: Type.String(), value: Type.String() })]);

export const InputSchemaItem = Type.Object({
  id: Type.String(),
  type: Type.String(),
  label: Type.String(),
  variableName: Type.String(),
  required: Type.Boolean(),
  options: Type.Optional(Type.Array(SelectOption)),
  default: Type.Optional(Type.Unknown()),
  description: Type.Optional(Type.String()),
});
export type InputSchemaItem = Static<typeof InputSchemaItem>;

const workflowSummaryFields = {
  _id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  status: Type.Union([Type.Literal('draft'), Type.Literal('published')]),
  uuid: Type.String(),
  categories: Type.Array(Type.String()),
  defaultVersion: Type.Integer({ description: 'Active published version, 0 if none' }),
  totalVersions: Type.Integer({ description: 'Number of published versions' }),
  emoji: Type.String(),
  color: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
};

export const WorkflowSummarySchema = Type.Object(workflowSummaryFields, { $id: 'WorkflowSummary' });
export type WorkflowSummary = Static<typeof WorkflowSummarySchema>;

export const WorkflowSchema = Type.Object(
  {
    ...workflowSummaryFields,
    inputSchema: Type.Optional(Type.Array(InputSchemaItem, { description: 'Only when published' })),
    outputType: Type.String(),
    readme: Type.String(),
  },
  { $id: 'Workflow' },
);
export type Workflow = Static<typeof WorkflowSchema>;

export const Pagination = Type.Object({
  page: Type.Integer(),
  limit: Type.Integer(),
  total: Type.Integer(),
  totalPages: Type.Integer(),
});

export const ListWorkflowsQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('draft'), Type.Literal('published')])),
    search: Type.Optional(Type.String({ maxLength: 200 })),
    page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 15 })),
  },
  { additionalProperties: false },
);
export type ListWorkflowsQuery = Static<typeof ListWorkflowsQuery>;

export const ListWorkflowsResponse = Type.Object({ data: Type.Array(WorkflowSummarySchema), pagination: Pagination });
export type ListWorkflowsResponse = Static<typeof ListWorkflowsResponse>;

export const WorkflowIdParams = Type.Object({ workflowId: Type.String({ minLength: 1, maxLength: 64 }) });
export const RunIdParams = Type.Object({ runId: Type.String({ minLength: 1, maxLength: 64 }) });

export const StepStatusSchema = Type.Union(['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'SKIPPED'].map((s) => Type.Literal(s)));

/** One step of a run (an extension of the Slate API): its newest attempt, summarised. */
export const StepRecordSchema = Type.Object(
  {
    id: Type.String({ description: 'The step id; inside a map, `<mapId>[<index>].<subId>`' }),
    type: Type.String(),
    status: StepStatusSchema,
    attempts: Type.Integer({ description: 'Attempts started so far' }),
    started_at: Nullable(Timestamp),
    finished_at: Nullable(Timestamp),
    output: Type.Unknown({ description: 'Set when COMPLETED, else null' }),
    error: Nullable(RunError),
  },
  { $id: 'StepRecord' },
);
export type StepRecord = Static<typeof StepRecordSchema>;

export const RunStepsResponse = Type.Object({ run_id: Type.String(), data: Type.Array(StepRecordSchema) });
export type RunStepsResponse = Static<typeof RunStepsResponse>;
