import type { WorkflowStatus } from '../core/states.js';
import type { Workflow, WorkflowFields, WorkflowVersion } from './types.js';

/** Workflows (the latest applied definition) and their immutable published versions. */
export interface WorkflowStore {
  /**
   * Creates or updates a workflow from an applied definition, atomically. With
   * `publish`, adds version `totalVersions + 1` and makes it the default, unless the
   * definition equals the current default version's (then nothing new is published).
   */
  applyWorkflow(input: ApplyWorkflowInput): Promise<ApplyWorkflowResult>;
  getWorkflow(workspaceId: number, workflowId: string): Promise<Workflow | null>;
  listWorkflows(workspaceId: number, query: WorkflowListQuery): Promise<{ items: Workflow[]; total: number }>;
  /** A published version; immutable once published, so callers may cache it (see version-cache.ts). */
  getWorkflowVersion(workspaceId: number, workflowId: string, version: number): Promise<WorkflowVersion | null>;
  listWorkflowVersions(workspaceId: number, workflowId: string): Promise<WorkflowVersion[]>;
}

export interface ApplyWorkflowInput {
  workspaceId: number;
  /** Existing or new `_id`. */
  workflowId: string;
  /** Used when the workflow is created. */
  uuid: string;
  fields: WorkflowFields;
  definition: unknown;
  publish: boolean;
  now: number;
}

export interface ApplyWorkflowResult {
  workflow: Workflow;
  created: boolean;
  /** The version published by this apply, or null. */
  publishedVersion: number | null;
}

export interface WorkflowListQuery {
  status?: WorkflowStatus;
  search?: string;
  page: number;
  limit: number;
}
