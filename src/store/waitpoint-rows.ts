import type { NewRunEvent } from './run-events.js';
import type { Row } from './rows.js';
import type { Waitpoint, WaitpointDecision, WaitpointKind, WaitpointStatus } from './waitpoint-store.js';

const json = (value: unknown): unknown => (value === null || value === undefined ? null : typeof value === 'string' ? JSON.parse(value) : value);
const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export function toWaitpoint(row: Row): Waitpoint {
  return {
    id: row.id as string,
    workspaceId: Number(row.workspace_id),
    runId: row.run_id as string,
    workflowId: row.workflow_id as string,
    stepId: row.step_id as string,
    kind: row.kind as WaitpointKind,
    status: row.status as WaitpointStatus,
    prompt: (row.prompt as string | null) ?? null,
    fields: json(row.fields) as unknown[] | null,
    event: (row.event as string | null) ?? null,
    match: (row.match as string | null) ?? null,
    matchScope: json(row.match_scope) as Record<string, unknown> | null,
    createdAt: Number(row.created_at),
    expiresAt: num(row.expires_at),
    completedAt: num(row.completed_at),
    decision: (row.decision as WaitpointDecision | null) ?? null,
    data: json(row.data),
    completedBy: (row.completed_by as string | null) ?? null,
    notifiedAt: num(row.notified_at),
    notifyError: (row.notify_error as string | null) ?? null,
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The waitpoint as events and webhook bodies carry it: the public fields, never a URL or
 * the callback secret (SPEC §7).
 */
export function waitpointEventData(w: Waitpoint): Record<string, unknown> {
  return {
    waitpoint_id: w.id,
    run_id: w.runId,
    workflow_id: w.workflowId,
    step_id: w.stepId,
    kind: w.kind,
    status: w.status,
    prompt: w.prompt,
    fields: w.fields,
    event: w.event,
    created_at: iso(w.createdAt),
    expires_at: iso(w.expiresAt),
    completed_at: iso(w.completedAt),
    decision: w.decision,
    data: w.data ?? null,
    completed_by: w.completedBy,
  };
}

export const waitpointOpenedEvent = (w: Waitpoint): NewRunEvent => ({ type: 'waitpoint.opened', data: waitpointEventData(w) });
export const waitpointCompletedEvent = (w: Waitpoint): NewRunEvent => ({ type: 'waitpoint.completed', data: waitpointEventData(w) });

/** The SQL that closes a finished run's OPEN waitpoints: TIMED_OUT when the run timed out, else CANCELED. */
export const closeRunWaitpointsStatus = (errorCode: string | null | undefined): WaitpointStatus => (errorCode === 'TIMEOUT' ? 'TIMED_OUT' : 'CANCELED');
