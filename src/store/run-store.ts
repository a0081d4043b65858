import type { RunTraceContext } from '../core/trace-context.js';
import type { RunStatus } from '../core/states.js';
import type { DeletedRun } from './retention-store.js';
import type { Run, RunTrigger } from './types.js';
import type { RunFlow } from './flow-rows.js';
import type { EndedRun } from './run-endings.js';

/** Runs as the API sees them: created with idempotency and limits, read, listed, canceled. */
export interface RunStore {
  /**
   * Inserts a QUEUED run, with the idempotency check and the workspace's limits
   * evaluated atomically with the insert: concurrent calls never overshoot a limit
   * and never create two runs for one key.
   */
  createRun(input: NewRun): Promise<CreateRunResult>;
  /**
   * Batch create (SPEC §15): each input judged exactly as `createRun` would judge it, in
   * order, as if created one after another (later items see the runs and keys of earlier
   * ones), but written in one transaction (or a few), not one commit per run.
   */
  createRuns(inputs: readonly NewRun[]): Promise<CreateRunResult[]>;
  /**
   * Optional fast path (PostgreSQL): `createRun` of a root run without an Idempotency-Key that
   * also re-checks `guard` (the caller's token and the workflow version the inputs were checked
   * against) where it is written: in the one statement of a workspace without limits, in the
   * group commit's chunk after the workspace lock with limits. It answers as `createRun` would
   * (created, or a limit), or `not_created`: the caller re-reads what it assumed and takes `createRun`.
   */
  createRunIfCurrent?(input: NewRun, guard: CreateGuard): Promise<GuardedCreateResult>;
  getRun(workspaceId: number, runId: string): Promise<Run | null>;
  findRunByIdempotencyKey(workspaceId: number, key: string): Promise<Run | null>;
  listRuns(workspaceId: number, query: RunListQuery): Promise<{ items: Run[]; total: number }>;
  /** QUEUED → CANCELED, guarded in SQL; a run a worker claimed first is `not_cancelable`. */
  cancelQueuedRun(workspaceId: number, runId: string, now: number): Promise<CancelRunResult>;
  /** Listens for runs becoming claimable (in-process, or LISTEN/NOTIFY); polling stays the truth. */
  onRunsQueued(listener: () => void): () => void;
  /**
   * Listens for runs that writes of this process ended (COMPLETED, FAILED, CANCELED), after
   * their commit: every path that ends a run reports here (finish, cancel, bulk cancel, abort
   * with the child runs it aborts, overdue aborts). The finished-runs counter and the run
   * spans (SPEC §17) are fed from it. Other processes' writes are not reported.
   */
  onRunsEnded(listener: (runs: readonly EndedRun[]) => void): () => void;
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
  /**
   * For a child run (`parentRunId` set): the most depth below its root run and the most
   * runs in the root's tree (SPEC §16), checked atomically with the insert. Absent: unbounded.
   */
  childRunLimits?: ChildRunLimits;
  /** The run's trace context (SPEC §17), stored with the row; absent: none. */
  trace?: RunTraceContext | null;
  /** The trigger recorded on the row (`{type: "batch"}`); absent: derived (`api`, or `child` with a parent). */
  recordedTrigger?: RunTrigger;
  /** Priority, delay, ttl and the concurrency key (SPEC §12); absent: none. */
  flow?: RunFlow;
  now: number;
  /** Start of the current UTC day, for the daily limit. */
  dayStart: number;
}

/** What `createRunIfCurrent` re-checks in the insert's own statement. */
export interface CreateGuard {
  /** The caller's API token: of the run's workspace, not revoked, not expired at the input's `now`. */
  tokenId: string;
  /** The workflow's default version, the one the inputs were checked against. */
  workflowVersion: number;
}

export type GuardedCreateResult =
  | CreateRunResult
  /**
   * Nothing written. `checked`: the store looked and found a guard failing, or the workspace
   * newly limited (what the caller assumed may be stale); false: it did not apply (a key, a
   * child run) and nothing was read.
   */
  | { kind: 'not_created'; checked: boolean };

export type CreateRunResult =
  | { kind: 'created'; run: Run }
  | { kind: 'replayed'; run: Run }
  /** The key's run was deleted by retention less than 24 h after it was created: answered from its record (SPEC §17). */
  | { kind: 'replayed_deleted'; deleted: DeletedRun }
  /** The key is held by a run (or a deleted run's record) of another workflow. */
  | { kind: 'idempotency_conflict'; run: Pick<Run, 'id' | 'workflowId'> }
  | { kind: 'daily_limit_exceeded'; limit: number }
  | { kind: 'concurrent_limit_exceeded'; limit: number }
  /** A child run would nest deeper, or its root's tree grow larger, than `childRunLimits` allow. */
  | { kind: 'child_run_limit'; message: string };

export interface ChildRunLimits {
  /** `SLIPWAY_MAX_RUN_DEPTH`: a child may be at most this many levels below its root. */
  maxDepth: number;
  /** `SLIPWAY_MAX_RUN_TREE`: a root run may have at most this many descendants. */
  maxTree: number;
}

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
