import type { RunStatus } from '../core/states.js';
import type { Run, RunError, StepAttempt } from './types.js';

/**
 * Runs as the engine sees them: claimed under a lease, checkpointed step by step,
 * released or finished. Every write is guarded in SQL by the caller's claim (worker and
 * claim token) and returns false when that claim is gone ("lost the race" is a value,
 * not an exception): a run claimed again, even by the same worker, fences off every
 * earlier claim.
 */
export interface LeaseStore {
  /**
   * Claims up to `limit` runs for `workerId`: first runs whose lease has expired
   * (crashed workers, due waits), then QUEUED runs, oldest first, never one of
   * `excludeRunIds`. A QUEUED run moves to STARTING with its version pinned (the one a replay was created with, else the
   * workflow's default version then) and an execution id. Each claimed run gets a
   * lease until `now + leaseMs` and a fresh `claimToken`.
   */
  claimRuns(input: ClaimRunsInput): Promise<Run[]>;
  /** Extends the lease; false when the claim is gone. */
  renewLease(lease: LeaseRef, leaseExpiresAt: number): Promise<boolean>;
  /** STARTING → RUNNING under the claim (already RUNNING is fine); false when the claim is gone. */
  markRunRunning(lease: LeaseRef, now: number): Promise<boolean>;
  /**
   * Gives the run up without finishing it: the lease owner and claim token are cleared
   * and the run is claimable again at `availableAt` (now, or when a wait is due) — or at
   * `now` when a `wakeRun` arrived while the worker held it. Clears that wake request.
   */
  releaseRun(lease: LeaseRef, availableAt: number, now: number): Promise<boolean>;
  /**
   * Makes a waiting run due now, e.g. a parent whose child run just finished. A run no
   * worker holds becomes claimable at once; a run a worker holds is marked, so that
   * worker's next `releaseRun` makes it due at once whatever wake time it asks for
   * (otherwise the wake-up would be lost in the window before the release). Returns
   * false when the run is not STARTING or RUNNING.
   */
  wakeRun(runId: string, now: number): Promise<boolean>;
  /**
   * STARTING/RUNNING → COMPLETED or FAILED under the claim. Returns false when the claim
   * is gone, so a run is never completed twice.
   */
  finishRun(input: FinishRunInput): Promise<boolean>;

  /** Inserts or updates one step attempt of `lease.runId`, only while the claim holds. */
  saveStepAttempt(lease: LeaseRef, attempt: StepAttempt): Promise<boolean>;
  /**
   * One transaction, only while the claim holds (else nothing is written and false): STARTING →
   * RUNNING when `startRunAt` is set and the run is still STARTING (as markRunRunning), then each
   * attempt in order (as saveStepAttempt). The engine writes a run's start with its first step's
   * start and a finished step's checkpoint with the next write of the run (issue 10: fewer commits).
   */
  saveProgress(lease: LeaseRef, progress: RunProgress): Promise<boolean>;
  listStepAttempts(runId: string): Promise<StepAttempt[]>;
}

/** One claim of one run: what every guarded write names. */
export interface LeaseRef {
  runId: string;
  workerId: string;
  claimToken: string;
}

/** The claim a claimed run carries. */
export function leaseOf(run: Run): LeaseRef {
  if (run.leaseOwner === null || run.claimToken === null) throw new Error(`run ${run.id} is not claimed`);
  return { runId: run.id, workerId: run.leaseOwner, claimToken: run.claimToken };
}

export interface ClaimRunsInput {
  workerId: string;
  limit: number;
  leaseMs: number;
  now: number;
  /** Generates the execution id for each newly started run. */
  newExecutionId: () => string;
  /** Runs this process is executing right now: never claimed again by it, even when their lease looks expired. */
  excludeRunIds?: readonly string[];
}

export interface FinishRunInput {
  lease: LeaseRef;
  status: typeof RunStatus.COMPLETED | typeof RunStatus.FAILED;
  output: unknown;
  error: RunError | null;
  now: number;
  /** Written first, in the finish's transaction (saveProgress): the run's last checkpoints. */
  progress?: RunProgress;
}

/** What saveProgress writes: a pending start of the run, and step attempts in order. */
export interface RunProgress {
  startRunAt: number | null;
  attempts: readonly StepAttempt[];
}
