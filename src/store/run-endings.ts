import { EventEmitter } from 'node:events';
import type { RunStatus } from '../core/states.js';
import type { RunTraceContext } from '../core/trace-context.js';
import { type Row, toRunTrace } from './rows.js';
import type { RunError } from './types.js';

/**
 * A run that reached a final status (COMPLETED, FAILED, CANCELED) by a write of this
 * process: what the finished-runs counter and the run span need (SPEC §17).
 */
export interface EndedRun {
  id: string;
  workspaceId: number;
  workflowId: string;
  status: RunStatus;
  error: RunError | null;
  createdAt: number;
  startedAt: number | null;
  completedAt: number;
  trace: RunTraceContext | null;
}

/** The columns a terminal `UPDATE … RETURNING` names so that `toEndedRun` can read its row. */
export const ENDED_RUN_COLUMNS = 'id, workspace_id, workflow_id, status, error, created_at, started_at, completed_at, trace_id, trace_parent_span_id, trace_span_id, trace_sampled';

export function toEndedRun(row: Row): EndedRun {
  const error = row.error === null || row.error === undefined ? null : (typeof row.error === 'string' ? JSON.parse(row.error) : row.error) as RunError;
  return {
    id: String(row.id),
    workspaceId: Number(row.workspace_id),
    workflowId: String(row.workflow_id),
    status: row.status as RunStatus,
    error,
    createdAt: Number(row.created_at),
    startedAt: row.started_at === null || row.started_at === undefined ? null : Number(row.started_at),
    completedAt: Number(row.completed_at),
    trace: toRunTrace(row),
  };
}

/**
 * What one write transaction did to runs: those that got new events (announced after the
 * commit) and those it ended. Every path that ends a run — finish, cancel, bulk cancel,
 * abort (with the child runs it aborts), overdue aborts — records its runs here, so the
 * store can report them all after the commit (`onRunsEnded`).
 */
export class RunChanges {
  readonly touched = new Set<string>();
  readonly ended: EndedRun[] = [];

  touch(runId: string): void {
    this.touched.add(runId);
  }

  /** A row of `UPDATE … RETURNING ${ENDED_RUN_COLUMNS}` that moved a run to a final status. */
  end(row: Row): void {
    this.touched.add(String(row.id));
    this.ended.push(toEndedRun(row));
  }
}

/** This process's "these runs ended" signal, emitted after the commit that ended them (in-process only). */
export function createRunEndAnnouncer() {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    announce(runs: readonly EndedRun[]) {
      if (runs.length > 0) emitter.emit('ended', runs);
    },
    on(listener: (runs: readonly EndedRun[]) => void): () => void {
      emitter.on('ended', listener);
      return () => emitter.off('ended', listener);
    },
    clear() {
      emitter.removeAllListeners();
    },
  };
}

export type RunEndAnnouncer = ReturnType<typeof createRunEndAnnouncer>;
