import type { RunStatus } from '../core/states.js';
import type { Run } from './types.js';

/** Runs as the API sees them: created with idempotency and limits, read, listed, canceled. */
export interface RunStore {
  /**
   * Inserts a QUEUED run, with the idempotency check and the workspace's limits
   * evaluated atomically with the insert: concurrent calls never overshoot a limit
   * and never create two runs for one key.
   */
  createRun(input: NewRun): Promise<CreateRunResult>;
  getRun(workspaceId: number, runId: string): Promise<Run | null>;
  findRunByIdempotencyKey(workspaceId: number, key: string): Promise<Run | null>;
  listRuns(workspaceId: number, query: RunListQuery): Promise<{ items: Run[]; total: number }>;
  /** QUEUED → CANCELED, guarded in SQL; a run a worker claimed first is `not_cancelable`. */
  cancelQueuedRun(workspaceId: number, runId: string, now: number): Promise<CancelRunResult>;
  /** Listens for runs becoming claimable (in-process, or LISTEN/NOTIFY); polling stays the truth. */
  onRunsQueued(listener: () => void): () => void;
}

export interface NewRun {
  id: string;
  workspaceId: number;
  workflowId: string;
  inputs: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
  idempotencyKey: string | null;
  parentRunId: string | null;
  /** Skip the workspace's limits (child runs of a `workflow` step). */
  ignoreLimits: boolean;
  now: number;
  /** Start of the current UTC day, for the daily limit. */
  dayStart: number;
}

export type CreateRunResult =
  | { kind: 'created'; run: Run }
  | { kind: 'replayed'; run: Run }
  | { kind: 'idempotency_conflict'; run: Run }
  | { kind: 'daily_limit_exceeded'; limit: number }
  | { kind: 'concurrent_limit_exceeded'; limit: number };

export type CancelRunResult =
  | { kind: 'canceled'; run: Run }
  | { kind: 'not_found' }
  | { kind: 'not_cancelable'; run: Run };

export interface RunListQuery {
  workflowId?: string;
  status?: RunStatus;
  page: number;
  limit: number;
}
