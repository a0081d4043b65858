import type { RunStatus, StepStatus } from '../core/states.js';
import { WorkflowStatus } from '../core/states.js';
import type { ApiToken, Organization, Run, StepAttempt, Workflow, WorkflowVersion, Workspace } from './types.js';
import type { RunTraceContext } from '../core/trace-context.js';

/**
 * Row shapes as both dialects return them (integers as numbers or text, JSON as text: the
 * PostgreSQL pool leaves json as text for this), and their mapping to domain records.
 * A new column is mapped once, here.
 */

export type Row = Record<string, unknown>;

const json = (text: unknown): unknown => (text === null || text === undefined ? null : JSON.parse(text as string));
const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export function toOrganization(row: Row): Organization {
  return { id: Number(row.id), name: row.name as string, createdAt: Number(row.created_at) };
}

export function toWorkspace(row: Row): Workspace {
  return {
    id: Number(row.id),
    organizationId: Number(row.organization_id),
    name: row.name as string,
    dailyRunLimit: num(row.daily_run_limit),
    concurrentRunLimit: num(row.concurrent_run_limit),
    retention: { completed: num(row.retention_completed_ms), failed: num(row.retention_failed_ms), canceled: num(row.retention_canceled_ms) },
    createdAt: Number(row.created_at),
  };
}

export function toToken(row: Row): ApiToken {
  return {
    id: row.id as string,
    workspaceId: Number(row.workspace_id),
    name: row.name as string,
    createdBy: row.created_by as string,
    preview: row.preview as string,
    hash: row.hash as string,
    createdAt: Number(row.created_at),
    expiresAt: num(row.expires_at),
    lastUsedAt: num(row.last_used_at),
    revokedAt: num(row.revoked_at),
  };
}

export function toWorkflow(row: Row): Workflow {
  const defaultVersion = Number(row.default_version);
  return {
    workspaceId: Number(row.workspace_id),
    id: row.id as string,
    uuid: row.uuid as string,
    name: row.name as string,
    description: row.description as string,
    categories: json(row.categories) as string[],
    emoji: row.emoji as string,
    color: row.color as string,
    readme: row.readme as string,
    defaultVersion,
    totalVersions: Number(row.total_versions),
    status: defaultVersion > 0 ? WorkflowStatus.PUBLISHED : WorkflowStatus.DRAFT,
    draftDefinition: json(row.draft_definition),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function toWorkflowVersion(row: Row): WorkflowVersion {
  return {
    workspaceId: Number(row.workspace_id),
    workflowId: row.workflow_id as string,
    version: Number(row.version),
    definition: json(row.definition),
    createdAt: Number(row.created_at),
  };
}

export function toRun(row: Row): Run {
  return {
    id: row.id as string,
    workspaceId: Number(row.workspace_id),
    workflowId: row.workflow_id as string,
    status: row.status as RunStatus,
    inputs: json(row.inputs) as Record<string, unknown>,
    metadata: json(row.metadata) as Record<string, unknown> | null,
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    workflowVersion: num(row.workflow_version),
    executionId: (row.execution_id as string | null) ?? null,
    output: json(row.output),
    error: json(row.error) as Run['error'],
    parentRunId: (row.parent_run_id as string | null) ?? null,
    rootRunId: (row.root_run_id as string | null) ?? null,
    depth: Number(row.depth ?? 0),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    startedAt: num(row.started_at),
    completedAt: num(row.completed_at),
    leaseOwner: (row.lease_owner as string | null) ?? null,
    leaseExpiresAt: num(row.lease_expires_at),
    claimCount: Number(row.claim_count),
    trigger: toRunTrigger(row),
    claimToken: (row.claim_token as string | null) ?? null,
    cancelReason: (row.cancel_reason as string | null) ?? null,
    priority: Number(row.priority ?? 0),
    notBefore: num(row.not_before),
    queueAt: Number(row.queue_at ?? row.created_at),
    expiresAt: num(row.expires_at),
    concurrencyKey: (row.concurrency_key as string | null) ?? null,
    concurrencyLimit: num(row.concurrency_limit),
    trace: toRunTrace(row),
  };
}

/** The trace columns of a run row (migration 015), or null when the run has none. */
export function toRunTrace(row: Row): RunTraceContext | null {
  if (typeof row.trace_id !== 'string' || typeof row.trace_span_id !== 'string') return null;
  return {
    traceId: row.trace_id,
    parentSpanId: (row.trace_parent_span_id as string | null) ?? null,
    spanId: row.trace_span_id,
    sampled: row.trace_sampled === true || Number(row.trace_sampled) === 1,
  };
}

/** A run's recorded trigger; runs without one were created through the API, or as a child of a `workflow` step. */
function toRunTrigger(row: Row): Run['trigger'] {
  if (row.run_trigger !== null && row.run_trigger !== undefined) return json(row.run_trigger) as Run['trigger'];
  return row.parent_run_id ? { type: 'child', parent_run_id: row.parent_run_id as string } : { type: 'api' };
}

export function toStepAttempt(row: Row): StepAttempt {
  return {
    runId: row.run_id as string,
    stepId: row.step_id as string,
    attempt: Number(row.attempt),
    stepType: row.step_type as string,
    status: row.status as StepStatus,
    input: json(row.input),
    output: json(row.output),
    error: json(row.error) as StepAttempt['error'],
    startedAt: Number(row.started_at),
    finishedAt: num(row.finished_at),
    wakeAt: num(row.wake_at),
  };
}

/** JSON.stringify that keeps `undefined` as SQL NULL. */
export function toJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
