import type { RunStatus } from '../core/states.js';
import type { CreateRunResult, NewRun } from './run-store.js';
import type { Run, RunTrigger } from './types.js';

/**
 * Run control (SPEC §11): aborting runs from any process, replays that reuse the source
 * run's checkpoints, and the selection of bulk actions. Every status change writes its
 * run event and its webhook deliveries in the same transaction.
 */
export interface RunControlStore {
  /**
   * Aborts a run and its active descendants in one transaction: QUEUED → CANCELED
   * (`cancel_reason: "aborted"`); a STARTING/RUNNING run no worker holds (waiting) →
   * FAILED/ABORTED at once; one a worker holds gets the request recorded, which its lease
   * keeper sees within a second.
   */
  abortRun(input: { workspaceId: number; runId: string; by: string; now: number }): Promise<AbortRunResult>;
  /** Who asked to abort the run (its token's name), or null when nobody did. */
  abortRequestOf(runId: string): Promise<string | null>;
  /** Ends FAILED/ABORTED every run whose abort was requested `graceMs` ago or more (its executor's writes are refused from then on). */
  endOverdueAborts(now: number, graceMs: number): Promise<number>;
  /**
   * createRun, plus in the same transaction: the run's trigger, its version pinned, and copies of
   * the source run's attempts of `reuseStepIds` marked `reused_from`.
   */
  createReplayRun(input: NewReplayRun): Promise<CreateRunResult>;
  /** `step_id → source run id` of the attempts a replay copied into `runId`. */
  reusedStepsOf(runId: string): Promise<Map<string, string>>;
  /** Ids of the workspace's runs matching a bulk filter, oldest first, at most `limit` (the count is exact up to it). */
  selectRunIds(workspaceId: number, filter: RunSelection, limit: number): Promise<string[]>;
  /** Cancels QUEUED runs among `runIds` in one transaction; returns the ids canceled. */
  cancelQueuedRuns(workspaceId: number, runIds: readonly string[], now: number): Promise<string[]>;
}

export type NewReplayRun = NewRun & { trigger: RunTrigger; workflowVersion: number; sourceRunId: string; reuseStepIds: readonly string[] };

export interface RunSelection {
  workflowId?: string;
  statuses?: readonly RunStatus[];
  createdAfter?: number;
  createdBefore?: number;
  runIds?: readonly string[];
}

export type AbortRunResult =
  | { kind: 'canceled'; run: Run }
  | { kind: 'abort_requested'; run: Run }
  | { kind: 'aborted'; run: Run }
  | { kind: 'not_found' }
  | { kind: 'not_abortable'; run: Run };
