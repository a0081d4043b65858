import type { RunStatus } from '../core/states.js';
import type { Run, RunError, StepAttempt } from './types.js';

/**
 * Runs as the engine sees them: claimed under a lease, checkpointed step by step,
 * released or finished. Every write is guarded in SQL by the caller's lease and returns
 * false when the lease is gone ("lost the race" is a value, not an exception).
 */
export interface LeaseStore {
  /**
   * Claims up to `limit` runs for `workerId`: first runs whose lease has expired
   * (crashed workers, due waits), then QUEUED runs, oldest first. A QUEUED run moves
   * to STARTING with its version pinned (the workflow's default version then) and an
   * execution id. Each claimed run gets a lease until `now + leaseMs`.
   */
  claimRuns(input: ClaimRunsInput): Promise<Run[]>;
  /** Extends the lease; false when the worker no longer holds it. */
  renewLease(runId: string, workerId: string, leaseExpiresAt: number): Promise<boolean>;
  /** STARTING → RUNNING under the worker's lease; false when the lease was lost. */
  markRunRunning(runId: string, workerId: string, now: number): Promise<boolean>;
  /**
   * Gives the run up without finishing it: the lease owner is cleared and the run is
   * claimable again at `availableAt` (now, or when a wait is due) — or at `now` when a
   * `wakeRun` arrived while the worker held it. Clears that wake request.
   */
  releaseRun(runId: string, workerId: string, availableAt: number, now: number): Promise<boolean>;
  /**
   * Makes a waiting run due now, e.g. a parent whose child run just finished. A run no
   * worker holds becomes claimable at once; a run a worker holds is marked, so that
   * worker's next `releaseRun` makes it due at once whatever wake time it asks for
   * (otherwise the wake-up would be lost in the window before the release). Returns
   * false when the run is not STARTING or RUNNING.
   */
  wakeRun(runId: string, now: number): Promise<boolean>;
  /**
   * STARTING/RUNNING → COMPLETED or FAILED under the worker's lease. Returns false when
   * the lease was lost, so a run is never completed twice.
   */
  finishRun(input: FinishRunInput): Promise<boolean>;

  /** Inserts or updates one step attempt, only while `workerId` holds the run's lease. */
  saveStepAttempt(workerId: string, attempt: StepAttempt): Promise<boolean>;
  listStepAttempts(runId: string): Promise<StepAttempt[]>;
}

export interface ClaimRunsInput {
  workerId: string;
  limit: number;
  leaseMs: number;
  now: number;
  /** Generates the execution id for each newly started run. */
  newExecutionId: () => string;
}

export interface FinishRunInput {
  runId: string;
  workerId: string;
  status: typeof RunStatus.COMPLETED | typeof RunStatus.FAILED;
  output: unknown;
  error: RunError | null;
  now: number;
}
