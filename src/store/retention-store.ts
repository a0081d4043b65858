import type { RunStatus } from '../core/states.js';
import type { Row } from './rows.js';
import type { RunRetention, Workspace } from './types.js';

/** A deleted run's idempotency record and daily-limit place are kept this long after it was created (SPEC §17). */
export const DELETED_RUN_RECORD_MS = 24 * 3_600_000;

/** The final statuses a retention applies to, as `RunRetention`'s keys and as run statuses. */
export const RETENTION_STATUSES = [
  { key: 'completed', status: 'COMPLETED' },
  { key: 'failed', status: 'FAILED' },
  { key: 'canceled', status: 'CANCELED' },
] as const satisfies readonly { key: keyof RunRetention; status: RunStatus }[];

export type FinishedRunStatus = (typeof RETENTION_STATUSES)[number]['status'];

/** What is kept of a run the retention sweeper deleted, until 24 h after its creation. */
export interface DeletedRun {
  id: string;
  workspaceId: number;
  workflowId: string;
  idempotencyKey: string | null;
  status: RunStatus;
  executionId: string | null;
  parentRunId: string | null;
  createdAt: number;
  deletedAt: number;
}

export interface ExpiredRunsBatch {
  workspaceId: number;
  status: FinishedRunStatus;
  /** Runs that ended before this are expired. */
  endedBefore: number;
  /** At most this many runs in one transaction (small: the API never waits long for it). */
  limit: number;
  now: number;
}

/**
 * Retention (SPEC §17): the workspace settings and the sweeper's deletes. A run is deleted
 * with everything it owns (steps, attempts, events, logs, waitpoints, webhook deliveries),
 * never while one of its webhook deliveries is pending or while its parent run is not
 * finished; what stays is its `DeletedRun` record.
 */
export interface RetentionStore {
  /** Sets the given retentions (an absent key keeps its value); null when there is no such workspace. */
  updateWorkspaceRetention(workspaceId: number, retention: Partial<RunRetention>): Promise<Workspace | null>;
  /**
   * Deletes up to `limit` expired runs of one status in one short transaction; safe when
   * several processes sweep at once (each run is deleted by one of them). Returns how many
   * this call deleted: fewer than `limit` means none is left for now.
   */
  deleteExpiredRuns(batch: ExpiredRunsBatch): Promise<number>;
  /** Forgets up to `limit` deleted-run records of runs created before `createdBefore`; returns how many. */
  forgetDeletedRuns(createdBefore: number, limit: number): Promise<number>;
  /**
   * Forgets the daily-limit counts (migration 018's `workspace_daily_runs`) of UTC days that
   * began before `dayStartBefore`: the daily limit reads only today's. A few rows per
   * workspace and day, so one statement; returns how many rows went.
   */
  forgetDailyRunCounts(dayStartBefore: number): Promise<number>;
  /** The deleted run that held an idempotency key less than 24 h ago, if any (tests, the CLI). */
  findDeletedRunByIdempotencyKey(workspaceId: number, key: string, now: number): Promise<DeletedRun | null>;
}

export function toDeletedRun(row: Row): DeletedRun {
  return {
    id: row.id as string,
    workspaceId: Number(row.workspace_id),
    workflowId: row.workflow_id as string,
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    status: row.status as RunStatus,
    executionId: (row.execution_id as string | null) ?? null,
    parentRunId: (row.parent_run_id as string | null) ?? null,
    createdAt: Number(row.created_at),
    deletedAt: Number(row.deleted_at),
  };
}
