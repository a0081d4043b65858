import { type Static, Type } from '@sinclair/typebox';

// Null first: the validator coerces types, and would read null as "" against the string first.
const RetentionValue = Type.Union([
  Type.Null({ description: 'Kept forever' }),
  Type.String({ description: 'A duration such as `30d`, `12h`, `90m`' }),
]);

export const RetentionSchema = Type.Object({
  completed: RetentionValue,
  failed: RetentionValue,
  canceled: RetentionValue,
}, { $id: 'Retention', description: 'How long finished runs are kept after they ended, by final status; null: forever (SPEC §17)' });
export type RetentionSchema = Static<typeof RetentionSchema>;

export const WorkspaceSchema = Type.Object({
  id: Type.Integer(),
  organization_id: Type.Integer(),
  name: Type.String(),
  daily_run_limit: Type.Union([Type.Integer(), Type.Null()], { description: 'Runs per UTC day; null: unlimited' }),
  concurrent_run_limit: Type.Union([Type.Integer(), Type.Null()], { description: 'Runs queued or running at once; null: unlimited' }),
  retention: RetentionSchema,
  created_at: Type.String({ format: 'date-time' }),
}, { $id: 'Workspace', description: 'The workspace of the calling token, with its settings' });
export type WorkspaceSchema = Static<typeof WorkspaceSchema>;

export const UpdateWorkspaceBody = Type.Object({
  retention: Type.Optional(Type.Object({
    completed: Type.Optional(RetentionValue),
    failed: Type.Optional(RetentionValue),
    canceled: Type.Optional(RetentionValue),
  }, { additionalProperties: false, description: 'The retentions to change; an absent status keeps its value, null keeps runs forever' })),
}, { $id: 'UpdateWorkspaceRequest', additionalProperties: false });
export type UpdateWorkspaceBody = Static<typeof UpdateWorkspaceBody>;
