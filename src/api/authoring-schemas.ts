import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { WorkflowSchema } from './schemas.js';

/**
 * Wire schemas of authoring over HTTP (SPEC §14): applying and validating definitions,
 * dry runs, and reading a workflow's definition back (the dashboard's editor).
 * Imports nothing from `node:` so browsers can use it.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** The media types `PUT /workflows/{id}` and `POST /workflows/validate` accept. */
export const DEFINITION_MEDIA_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'application/json'] as const;

export const ApplyWorkflowQuery = Type.Object(
  { publish: Type.Optional(Type.Boolean({ default: false, description: 'Publish a new immutable version and make it the default' })) },
  // Unknown query parameters are ignored, as on Slate's routes (clients add cache-busters).
  { additionalProperties: true },
);
export type ApplyWorkflowQuery = Static<typeof ApplyWorkflowQuery>;

export const ApplyWorkflowResponse = Type.Object(
  {
    ...WorkflowSchema.properties,
    publishedVersion: Nullable(Type.Integer({ description: 'The version this request published; null when it published nothing (a draft, or unchanged since the default version)' })),
  },
  { $id: 'AppliedWorkflow' },
);
export type ApplyWorkflowResponse = Static<typeof ApplyWorkflowResponse>;

/** A definition body: YAML or JSON text (the JSON schema of the file is at `/schemas/workflow.json`). */
export const DefinitionBody = Type.String({ description: 'The workflow definition file, YAML or JSON (see the workflow JSON Schema)' });

export const DiagnosticSchema = Type.Object(
  {
    severity: Type.Union([Type.Literal('error'), Type.Literal('warning')]),
    path: Type.String({ description: 'Place in the document, e.g. `steps[1].needs[0]`; empty for the whole file' }),
    line: Nullable(Type.Integer({ description: '1-based' })),
    column: Nullable(Type.Integer({ description: '1-based' })),
    message: Type.String(),
  },
  { $id: 'Diagnostic' },
);
export type Diagnostic = Static<typeof DiagnosticSchema>;

export const ValidateWorkflowResponse = Type.Object(
  {
    valid: Type.Boolean({ description: 'True when the definition has no error (warnings allowed)' }),
    diagnostics: Type.Array(DiagnosticSchema),
  },
  { $id: 'ValidateWorkflowResponse' },
);
export type ValidateWorkflowResponse = Static<typeof ValidateWorkflowResponse>;

export const ValidateWorkflowQuery = Type.Object(
  { workflow_id: Type.Optional(Type.String({ minLength: 1, description: 'Validate as if applied as this workflow: a file `id` that differs is a diagnostic at `id`' })) },
  { additionalProperties: true },
);
export type ValidateWorkflowQuery = Static<typeof ValidateWorkflowQuery>;

/** Other query parameters stay ignored, as on every Slate route. */
export const CreateRunQuery = Type.Object(
  { dry_run: Type.Optional(Type.Boolean({ description: 'Check the request as a create would, and create nothing (200)' })) },
  { additionalProperties: true },
);
export type CreateRunQuery = Static<typeof CreateRunQuery>;

export const DryRunResponse = Type.Object(
  {
    valid: Type.Literal(true),
    version: Type.Integer({ description: 'The published version a run created now would start on' }),
    inputs: Type.Record(Type.String(), Type.Unknown(), { description: 'The inputs with defaults applied' }),
  },
  { $id: 'DryRunResponse' },
);
export type DryRunResponse = Static<typeof DryRunResponse>;

export const WorkflowDefinitionResponse = Type.Object(
  {
    workflowId: Type.String(),
    draft: Type.Unknown({ description: 'The last applied definition (published or not), as JSON' }),
    published: Nullable(Type.Object({
      version: Type.Integer({ description: 'The default version' }),
      definition: Type.Unknown(),
    })),
  },
  { $id: 'WorkflowDefinition' },
);
export type WorkflowDefinitionResponse = Static<typeof WorkflowDefinitionResponse>;
