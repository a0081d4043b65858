import type * as Wire from '../api/schemas.js';
import { API_PREFIX } from '../api/schemas.js';
import { toIso, toIsoOrNull } from '../core/clock.js';
import { RunStatus } from '../core/states.js';
import type { ApiToken, DeletedRun, Run, Workflow } from '../store/store.js';
import type { CreateRunOutcome } from '../service/runs-service.js';
import type { WorkflowVersionView, WorkflowView } from '../service/workflows-service.js';

/** Domain records to wire objects (SPEC §1: runs in snake_case, workflows in camelCase). */

export function runStatusUrl(runId: string): string {
  return `${API_PREFIX}/workflow-runs/${runId}`;
}

export function toCreateRunResponse(run: Run): Wire.CreateRunResponse {
  return {
    run_id: run.id,
    status: run.status,
    workspace_id: run.executionId ? run.workspaceId : null,
    workflow_execution_id: run.executionId,
    status_url: runStatusUrl(run.id),
  };
}

/** The 202 answer of a create or replay: the run's, or its record's when retention deleted the run (its status_url then answers 404). */
export function toCreateRunOutcomeResponse(outcome: CreateRunOutcome): Wire.CreateRunResponse {
  switch (outcome.kind) {
    case 'run':
      return toCreateRunResponse(outcome.run);
    case 'deleted_run':
      return toDeletedRunResponse(outcome.deleted);
  }
}

export function toDeletedRunResponse(deleted: DeletedRun): Wire.CreateRunResponse {
  return {
    run_id: deleted.id,
    status: deleted.status,
    workspace_id: deleted.executionId ? deleted.workspaceId : null,
    workflow_execution_id: deleted.executionId,
    status_url: runStatusUrl(deleted.id),
  };
}

export function toRunResponse(run: Run): Wire.Run {
  return {
    run_id: run.id,
    workflow_id: run.workflowId,
    status: run.status,
    // Slate fills workspace_id once the run starts processing; so does Slipway.
    workspace_id: run.executionId ? run.workspaceId : null,
    workflow_execution_id: run.executionId,
    output: run.status === RunStatus.COMPLETED ? (run.output ?? null) : null,
    error: run.status === RunStatus.FAILED ? run.error : null,
    created_at: toIso(run.createdAt),
    updated_at: toIso(run.updatedAt),
    completed_at: toIsoOrNull(run.completedAt),
    metadata: run.metadata,
  };
}

export function toWorkflowSummary(workflow: Workflow): Wire.WorkflowSummary {
  return {
    _id: workflow.id,
    name: workflow.name,
    description: workflow.description,
    status: workflow.status,
    uuid: workflow.uuid,
    categories: workflow.categories,
    defaultVersion: workflow.defaultVersion,
    totalVersions: workflow.totalVersions,
    emoji: workflow.emoji,
    color: workflow.color,
    createdAt: toIso(workflow.createdAt),
    updatedAt: toIso(workflow.updatedAt),
  };
}

export function toWorkflowResponse(view: WorkflowView): Wire.Workflow {
  return {
    ...toWorkflowSummary(view.workflow),
    ...(view.inputSchema !== null && { inputSchema: view.inputSchema }),
    outputType: view.outputType,
    readme: view.workflow.readme,
  };
}

/** A run with the dashboard's extra fields (inputs, pinned version, start time). */
export function toRunWithDetails(run: Run): Wire.RunWithDetails {
  return {
    ...toRunResponse(run),
    inputs: run.inputs,
    workflow_version: run.workflowVersion,
    started_at: toIsoOrNull(run.startedAt),
    trigger: run.trigger,
    ...(run.cancelReason === 'aborted' || run.cancelReason === 'expired' ? { cancel_reason: run.cancelReason } : {}),
    ...(run.trigger.type === 'replay'
      ? { replayed_from: { run_id: String(run.trigger.run_id), from_step: (run.trigger.from_step as string | null | undefined) ?? null } }
      : {}),
  };
}

export function toWorkflowVersionResponse(version: WorkflowVersionView): Wire.WorkflowVersion {
  return {
    version: version.version,
    isDefault: version.isDefault,
    createdAt: toIso(version.createdAt),
    inputSchema: version.inputSchema,
    stepCount: version.stepCount,
  };
}

/** A token as the API shows it: never its hash, and the full token only at creation. */
export function toApiTokenResponse(token: ApiToken, callerTokenId: string): Wire.ApiToken {
  return {
    id: token.id,
    name: token.name,
    preview: token.preview,
    created_by: token.createdBy,
    created_at: toIso(token.createdAt),
    expires_at: toIsoOrNull(token.expiresAt),
    last_used_at: toIsoOrNull(token.lastUsedAt),
    revoked_at: toIsoOrNull(token.revokedAt),
    is_current: token.id === callerTokenId,
  };
}
