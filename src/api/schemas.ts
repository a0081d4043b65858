import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { PUBLIC_STEP_STATUSES, RunStatus, WorkflowStatus } from '../core/states.js';
import { flowCreateFields } from './flow-schemas.js';
import { RunWaitingSchema } from './waiting-schemas.js';

/**
 * The wire contract (SPEC §1–§3): request and response schemas. Fastify validates
 * requests with them, the OpenAPI document is generated from them, and their static
 * types are what the server, the client SDK, the CLI and the dashboard share.
 * This module imports nothing from `node:` so browsers can use it.
 */

export { API_PREFIX } from './prefix.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC with milliseconds' });

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'Stable snake_case error code' }),
    message: Type.String(),
    request_id: Type.String(),
    details: Type.Optional(Type.Array(Type.Object({
      path: Type.String(),
      message: Type.String(),
      line: Type.Optional(Nullable(Type.Integer({ description: '1-based line in the definition file (invalid_definition only)' }))),
      column: Type.Optional(Nullable(Type.Integer({ description: '1-based column in the definition file (invalid_definition only)' }))),
    }))),
  },
  { $id: 'ErrorBody', description: 'The body of every non-2xx answer' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** A union of string literals, one per value of a core/states.ts const object (the one list of states). */
const OneOf = <T extends string>(values: readonly T[], options: { $id?: string; description?: string } = {}) =>
  Type.Union(values.map((value) => Type.Literal(value)), options);

export const RunStatusSchema = OneOf(Object.values(RunStatus), { description: 'SPEC §4' });
export const WorkflowStatusSchema = OneOf(Object.values(WorkflowStatus));

export const CreateRunBody = Type.Object(
  {
    inputs: Type.Record(Type.String(), Type.Unknown(), { description: "Values for the workflow's inputs, by variableName" }),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Free-form, at most 16 KiB as JSON' })),
    ...flowCreateFields,
  },
  { $id: 'CreateRunRequest', additionalProperties: true },
);
export type CreateRunBody = Static<typeof CreateRunBody>;

export const CreateRunResponse = Type.Object(
  {
    run_id: Type.String(),
    status: Type.String({ description: 'QUEUED, or the current status of a replayed run' }),
    workspace_id: Nullable(Type.Number()),
    workflow_execution_id: Nullable(Type.String()),
    status_url: Type.String({ description: 'Where to poll the run: `GET` it' }),
  },
  { $id: 'CreatedRun' },
);
export type CreateRunResponse = Static<typeof CreateRunResponse>;

export const RunError = Type.Object(
  { code: Type.String({ description: 'START_FAILED, WORKFLOW_FAILED, TIMEOUT, … (SPEC §4); for a step, its step error code' }), message: Type.String() },
  { $id: 'RunError' },
);

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
  { $id: 'SlateRun', description: "A run exactly as Slate's API has it" },
);
export type Run = Static<typeof RunSchema>;

export const CancelRunResponse = Type.Object(
  {
    run_id: Type.String(),
    status: Type.Literal('CANCELED'),
    completed_at: Timestamp,
  },
  { $id: 'CanceledRun' },
);
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
}, { $id: 'InputSchemaItem' });
export type InputSchemaItem = Static<typeof InputSchemaItem>;

const workflowSummaryFields = {
  _id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  status: WorkflowStatusSchema,
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

export const Pagination = Type.Object(
  {
    page: Type.Integer(),
    limit: Type.Integer(),
    total: Type.Integer(),
    totalPages: Type.Integer(),
  },
  { $id: 'Pagination' },
);

/** 1-based; a page past the end has empty `data`. Over 2^53 - 1 it could not be told apart from its neighbours: 400. */
const PageParameter = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, default: 1, examples: [1] });
const LimitParameter = Type.Integer({ minimum: 1, maximum: 100, default: 15, examples: [15] });

export const ListWorkflowsQuery = Type.Object(
  {
    status: Type.Optional(WorkflowStatusSchema),
    search: Type.Optional(Type.String({ maxLength: 200 })),
    page: Type.Optional(PageParameter),
    limit: Type.Optional(LimitParameter),
  },
  // Unknown parameters are ignored (SPEC §3): Slate's clients send their own (search, cache-busters).
  { additionalProperties: true },
);
export type ListWorkflowsQuery = Static<typeof ListWorkflowsQuery>;

export const ListWorkflowsResponse = Type.Object({ data: Type.Array(WorkflowSummarySchema), pagination: Pagination }, { $id: 'WorkflowList' });
export type ListWorkflowsResponse = Static<typeof ListWorkflowsResponse>;

// Path ids have no length or pattern limit here: an id of any length that names nothing is 404 (SPEC §1).
export const WorkflowIdParams = Type.Object({
  workflowId: Type.String({ description: "The workflow's `_id`", examples: ['brand-brief'] }),
});
export const RunIdParams = Type.Object({
  runId: Type.String({ description: 'The `run_id` of the run', examples: ['01943a5e-7b1c-7d2e-9f00-3c4b5a697887'] }),
});

// --- Dashboard extensions (not part of Slate's API; same prefix, same bearer token) ---

/**
 * The extra run fields the dashboard needs (its run page and re-run button). Present in
 * `GET /workflow-runs` items, and in `GET /workflow-runs/{runId}` only with
 * `?include=details`, so the Slate answer stays exactly as documented by default.
 */
const runDetailFields = {
  inputs: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'The inputs the run was created with' })),
  workflow_version: Type.Optional(Nullable(Type.Integer({ description: 'Pinned version; null while QUEUED' }))),
  started_at: Type.Optional(Nullable(Timestamp)),
  trigger: Type.Optional(Type.Object(
    { type: Type.String({ description: '`api`, `schedule` (with schedule_id, fire_at), `child` (with parent_run_id), …' }) },
    { additionalProperties: true, description: 'What started the run' },
  )),
  cancel_reason: Type.Optional(Type.Union([Type.Literal('aborted'), Type.Literal('expired')], {
    description: 'Why a CANCELED run was canceled when not by `POST …/cancel`: `aborted` (`POST …/abort`, SPEC §11) or `expired` (its ttl passed while QUEUED, SPEC §12)',
  })),
  replayed_from: Type.Optional(Type.Object(
    { run_id: Type.String(), from_step: Nullable(Type.String({ description: 'A step id, `@failed`, or null for a full replay' })) },
    { description: 'The run this one replays (SPEC §11)' },
  )),
  usage: Type.Optional(Nullable(Type.Object(
    { input_tokens: Type.Integer(), output_tokens: Type.Integer() },
    { description: 'LLM token totals of the run\'s completed llm steps (GET of one run with include=details; null without llm steps)' },
  ))),
  waiting: Type.Optional(Nullable(RunWaitingSchema)),
};

export const RunWithDetailsSchema = Type.Object(
  { ...RunSchema.properties, ...runDetailFields },
  { $id: 'Run', description: 'A run (SPEC §3); with `include=details`, and in lists, also inputs, workflow_version, started_at and trigger' },
);
export type RunWithDetails = Static<typeof RunWithDetailsSchema>;

/** Other query parameters stay ignored, as they were before this extension (Slate clients may send cache-busters). */
export const GetRunQuery = Type.Object(
  { include: Type.Optional(Type.Literal('details', { description: 'Adds inputs, workflow_version, started_at and trigger (dashboard extension)' })) },
  { additionalProperties: true },
);
export type GetRunQuery = Static<typeof GetRunQuery>;

export const ListRunsQuery = Type.Object(
  {
    workflow_id: Type.Optional(Type.String({ description: 'Only runs of this workflow' })),
    status: Type.Optional(RunStatusSchema),
    page: Type.Optional(PageParameter),
    limit: Type.Optional(LimitParameter),
  },
  // The dashboard's own list: an unknown parameter is a mistake worth a 400 here.
  { additionalProperties: false },
);
export type ListRunsQuery = Static<typeof ListRunsQuery>;

export const ListRunsResponse = Type.Object({ data: Type.Array(RunWithDetailsSchema), pagination: Pagination }, { $id: 'RunList' });
export type ListRunsResponse = Static<typeof ListRunsResponse>;

export const WorkflowVersionSchema = Type.Object(
  {
    version: Type.Integer(),
    isDefault: Type.Boolean({ description: 'True for the version new runs start on' }),
    createdAt: Timestamp,
    inputSchema: Type.Array(InputSchemaItem),
    stepCount: Type.Integer(),
  },
  { $id: 'WorkflowVersion' },
);
export type WorkflowVersion = Static<typeof WorkflowVersionSchema>;

export const ListWorkflowVersionsResponse = Type.Object({ data: Type.Array(WorkflowVersionSchema, { description: 'Newest first' }) }, { $id: 'WorkflowVersionList' });
export type ListWorkflowVersionsResponse = Static<typeof ListWorkflowVersionsResponse>;

export const TokenExpirySchema = Type.Union(['7d', '30d', '90d', 'never'].map((e) => Type.Literal(e)));

export const ApiTokenSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    preview: Type.String({ description: 'First 12 and last 4 characters of the token' }),
    created_by: Type.String(),
    created_at: Timestamp,
    expires_at: Nullable(Timestamp),
    last_used_at: Nullable(Timestamp),
    revoked_at: Nullable(Timestamp),
    is_current: Type.Boolean({ description: 'True for the token that made this request' }),
  },
  { $id: 'ApiToken' },
);
export type ApiToken = Static<typeof ApiTokenSchema>;

export const ListTokensResponse = Type.Object({ data: Type.Array(ApiTokenSchema, { description: 'Newest first, revoked ones included' }) }, { $id: 'ApiTokenList' });
export type ListTokensResponse = Static<typeof ListTokensResponse>;

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'Shown in the token list; not blank' }),
    expires: TokenExpirySchema,
  },
  { $id: 'CreateApiTokenRequest', additionalProperties: false },
);
export type CreateTokenBody = Static<typeof CreateTokenBody>;

export const CreateTokenResponse = Type.Object(
  { ...ApiTokenSchema.properties, token: Type.String({ description: 'The full token; shown only in this answer' }) },
  { $id: 'CreatedApiToken' },
);
export type CreateTokenResponse = Static<typeof CreateTokenResponse>;

export const TokenIdParams = Type.Object({
  tokenId: Type.String({ description: 'The `id` of the token', examples: ['01943a5e-7b1c-7d2e-9f00-3c4b5a697887'] }),
});
export const StepStatusSchema = OneOf(PUBLIC_STEP_STATUSES, { description: 'A WAITING attempt shows as RUNNING' });

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
    reused_from: Type.Optional(Type.String({ description: 'A replay copied this step\'s checkpoint from that run and did not execute it (SPEC §11)' })),
  },
  { $id: 'StepRecord' },
);
export type StepRecord = Static<typeof StepRecordSchema>;

export const RunStepsResponse = Type.Object({ run_id: Type.String(), data: Type.Array(StepRecordSchema) }, { $id: 'RunSteps' });
export type RunStepsResponse = Static<typeof RunStepsResponse>;
