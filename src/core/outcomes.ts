import type { RunStatus } from './states.js';

/**
 * Every outcome union of the engine, side by side, from the innermost out: a step type's
 * attempt (`StepOutcome`), a group of nested steps (`NestedOutcome`), one step in the
 * executor (`StepResult`), a graph of steps (`GraphOutcome`) and one execution of a
 * claimed run (`ExecutionResult`). Every switch over them is exhaustive (`assertNever`),
 * so a new kind fails to compile wherever it is not handled.
 *
 * Two ways an execution stops early are kept apart everywhere:
 * - `lost`: the lease is gone (another claim holds the run, or a guarded write was
 *   refused). Nothing more may be written: the new holder owns the run.
 * - `interrupted`: shutdown's grace period ended. The lease still holds; the attempts cut
 *   short stay RUNNING (they are redone, after being marked INTERRUPTED, on resume) and
 *   the run is released so another worker resumes it at once.
 */

/** What one attempt of a step came to, as a step type returns it. The executor handles each case. */
export type StepOutcome =
  | { kind: 'completed'; output: unknown }
  /** `retryable: false` skips the step's remaining retries; `code` is the step error code (default STEP_FAILED). */
  | { kind: 'failed'; message: string; retryable?: boolean; code?: string }
  /** Durable wait: the run is released and resumed at `until` (no worker slot held). */
  | { kind: 'waiting'; until: number };

/**
 * How a group of nested steps (a `map` item) ended: `output` is the last nested step's.
 * `stopped`: the execution around it stopped (timeout, lost lease, shutdown, release);
 * the step type returns anything, the executor's own outcome decides what happens.
 */
export type NestedOutcome =
  | { kind: 'completed'; output: unknown }
  | { kind: 'failed'; message: string }
  | { kind: 'waiting'; until: number }
  | { kind: 'stopped' };

/** How running one step (all its attempts in this execution) ended. */
export type StepResult =
  | { kind: 'completed'; output: unknown }
  | { kind: 'skipped' }
  | { kind: 'failed'; message: string }
  | { kind: 'waiting'; until: number }
  | { kind: 'timed_out' }
  | { kind: 'lost' }
  | { kind: 'interrupted' }
  /** The run was aborted (SPEC §11): the lease's signal fired with reason `aborted`. */
  | { kind: 'aborted' };

/** How running a graph of steps ended. `released`: shutdown began, the running steps ended, nothing new started. */
export type GraphOutcome =
  | { kind: 'completed' }
  | { kind: 'failed'; stepId: string; message: string }
  | { kind: 'waiting'; until: number }
  | { kind: 'timed_out' }
  | { kind: 'released' }
  | { kind: 'lost' }
  | { kind: 'interrupted' }
  | { kind: 'aborted' };

/** How one execution of a claimed run ended, for the worker pool's bookkeeping. */
export type ExecutionResult =
  | { kind: 'finished'; status: typeof RunStatus.COMPLETED | typeof RunStatus.FAILED }
  /** Released with a wake time: the pool looks for work again at `until`. */
  | { kind: 'waiting'; until: number }
  /** Released at a step boundary because shutdown began. */
  | { kind: 'released' }
  | { kind: 'lost' }
  /** Cut short by shutdown and released (its RUNNING attempts are redone on resume). */
  | { kind: 'interrupted' };

/**
 * Why a lease's signal aborted. `aborted`: an abort of the run was requested (SPEC §11);
 * the lease still holds and its one remaining write is finishing the run FAILED/ABORTED.
 */
export type LeaseStop = 'lost' | 'interrupted' | 'aborted';
