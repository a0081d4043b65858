import type { Clock } from '../core/clock.js';
import type { LeaseStop } from '../core/outcomes.js';
import { RunErrorCode, type RunStatus } from '../core/states.js';
import type { LeaseRef, LeaseStore } from '../store/lease-store.js';
import type { RunEventStore } from '../store/run-events-store.js';
import type { NewStepLogLine, RunError, RunProgress, StepAttempt, StepLogStore } from '../store/store.js';

/** The guarded writes a lease makes; each is fenced in SQL by the claim token. */
export type LeaseWrites = Pick<LeaseStore, 'renewLease' | 'markRunRunning' | 'releaseRun' | 'finishRun' | 'saveStepAttempt'>
  // Optional: with it, writes of one run are merged (fewer commits); without it, each is its own.
  & Partial<Pick<LeaseStore, 'saveProgress'>>
  // Optional so that fakes of the engine's tests need not stream; without it deltas are dropped.
  & Partial<Pick<RunEventStore, 'appendStepDelta'>>
  // Optional too: without it log lines are dropped.
  & Partial<Pick<StepLogStore, 'appendStepLogs'>>;

/**
 * One claim of one run, handed by the worker pool to the executor: who holds it, the
 * signal that stops its work, and every write the engine may make under it. Each write
 * names the claim token, so after the run is claimed again — by another worker, or by
 * this one after a stall longer than the lease — every write of this handle is refused
 * and the handle is `lost` from then on.
 *
 * @example
 * const lease = createRunLease({ writes: store, clock, leaseMs: 30_000 }, leaseOf(run));
 * if (!(await lease.markRunning())) return { kind: 'lost' };
 */
export interface RunLease extends LeaseRef {
  /** Aborts when the lease is lost or shutdown interrupts the run; `stopReason` says which. */
  readonly signal: AbortSignal;
  stopReason(): LeaseStop | null;
  /**
   * Records a step attempt; false (and nothing written) once the signal has aborted or the claim is gone.
   * `runAfter: 'queued'` (a RUNNING attempt of a pure step, `StepType.pure`) lets the step run while its
   * start is still on its way: it is written with the run's next write, as a final checkpoint is.
   */
  saveAttempt(attempt: StepAttempt, options?: { runAfter: 'written' | 'queued' }): Promise<boolean>;
  markRunning(): Promise<boolean>;
  /**
   * Publishes streamed text of a running attempt as a `step.delta` event; false once the
   * signal has aborted or the attempt is no longer RUNNING under this claim. A refusal does
   * not mark the lease lost: only checkpoints and status writes decide that.
   */
  appendDelta(stepId: string, attempt: number, text: string): Promise<boolean>;
  /** Appends step log lines (already masked), at most `maxLines` per run; nothing once the lease stopped. */
  appendLogs(lines: readonly NewStepLogLine[], maxLines: number): Promise<number>;
  /** Gives the run up, claimable again at `availableAt`. Allowed after an interruption (that is how it ends). */
  release(availableAt: number): Promise<boolean>;
  finish(status: typeof RunStatus.COMPLETED | typeof RunStatus.FAILED, output: unknown, error: RunError | null): Promise<boolean>;
  /** Extends the lease by `leaseMs` from now (the lease keeper calls it). */
  renew(): Promise<boolean>;
  /** Shutdown's grace period ended: abort the running steps; only `release` still writes. */
  interrupt(): void;
  /**
   * An abort of the run was requested by `by` (SPEC §11): the signal fires with reason
   * `aborted`; from then on only `finishAborted` writes.
   */
  abort(by: string): void;
  /** Ends an aborted run FAILED with `ABORTED` ("aborted by <by>"), under the claim. */
  finishAborted(): Promise<boolean>;
}

/** How long a pending move to RUNNING waits for the run's next write before it is written alone. */
const START_ALONE_AFTER_MS = 25;

/** The error an aborted run ends with (SPEC §11). */
export function abortedRunError(by: string): RunError {
  return { code: RunErrorCode.ABORTED, message: `aborted by ${by}` };
}

export function createRunLease(deps: { writes: LeaseWrites; clock: Clock; leaseMs: number }, claim: LeaseRef): RunLease {
  const { writes, clock } = deps;
  const ref: LeaseRef = { runId: claim.runId, workerId: claim.workerId, claimToken: claim.claimToken };
  const controller = new AbortController();
  let reason: LeaseStop | null = null;
  let abortedBy = '';
  const stopMessages: Record<LeaseStop, () => string> = {
    lost: () => 'lease lost',
    interrupted: () => 'worker shutting down',
    aborted: () => `aborted by ${abortedBy}`,
  };

  function stop(why: LeaseStop) {
    if (reason !== null) return;
    reason = why;
    controller.abort(new Error(stopMessages[why]()));
  }

  /** A refused guarded write means another claim holds the run: the lease is lost. */
  const guarded = async (write: () => Promise<boolean>): Promise<boolean> => {
    if (reason === 'lost') return false;
    const held = await write();
    if (!held) stop('lost');
    return held;
  };
  /** Writes of the execution itself stop at any abort (an interrupted attempt stays RUNNING). */
  const whileRunning = (write: () => Promise<boolean>): Promise<boolean> =>
    reason !== null ? Promise.resolve(false) : guarded(write);

  // Merged writes (issue 10), when the store has saveProgress: the move to RUNNING is written
  // with the run's next write (its first step's start; alone after 25 ms), and a step's final checkpoint
  // (COMPLETED, SKIPPED) with the run's next write (the next step's start, the finish) or, when
  // none comes in this event-loop turn, on its own right after. The handle's writes go out one
  // at a time, in order. A checkpoint not yet written when the process dies is the
  // at-least-once window (the step runs again); a refused merged write marks the lease lost
  // as any refused write does.
  const merging = writes.saveProgress !== undefined;
  let startRunAt: number | null = null;
  let deferred: StepAttempt[] = [];
  let flushQueued = false;
  let queue: Promise<unknown> = Promise.resolve();
  const inOrder = <T>(write: () => Promise<T>): Promise<T> => {
    const next = queue.then(write, write);
    queue = next.catch(() => undefined);
    return next;
  };
  const takePending = (): RunProgress | undefined => {
    if (startRunAt === null && deferred.length === 0) return undefined;
    const progress = { startRunAt, attempts: deferred };
    startRunAt = null;
    deferred = [];
    return progress;
  };
  /** Puts back what a write that threw did not write, so the next write carries it. */
  const restore = (progress: RunProgress | undefined) => {
    if (!progress) return;
    startRunAt ??= progress.startRunAt;
    deferred = [...progress.attempts, ...deferred];
  };
  const withPending = async (write: (progress: RunProgress | undefined) => Promise<boolean>): Promise<boolean> => {
    const progress = takePending();
    try {
      return await write(progress);
    } catch (error) {
      restore(progress);
      throw error;
    }
  };
  const flushPending = (): Promise<boolean> => inOrder(() => guarded(() => withPending((progress) =>
    progress ? writes.saveProgress!(ref, progress) : Promise.resolve(true))));
  /** flushPending for a write already in order. */
  const flushPendingNow = (): Promise<boolean> => guarded(() => withPending((progress) =>
    progress && merging ? writes.saveProgress!(ref, progress) : Promise.resolve(true)));
  const flushSoon = () => {
    if (flushQueued) return;
    flushQueued = true;
    setImmediate(() => {
      flushQueued = false;
      // A failure shows on the next write, which carries what is still pending.
      flushPending().catch(() => undefined);
    });
  };
  const saveAttempt = (attempt: StepAttempt, options?: { runAfter: 'written' | 'queued' }): Promise<boolean> => {
    if (!merging) return whileRunning(() => writes.saveStepAttempt(ref, attempt));
    if (reason !== null) return Promise.resolve(false);
    const final = attempt.status === 'COMPLETED' || attempt.status === 'SKIPPED';
    if (final || (attempt.status === 'RUNNING' && options?.runAfter === 'queued')) {
      // A copy: the step runner goes on changing its attempt object (RUNNING → COMPLETED).
      deferred.push({ ...attempt });
      flushSoon();
      return Promise.resolve(true);
    }
    return inOrder(() => whileRunning(() => withPending((progress) =>
      writes.saveProgress!(ref, { startRunAt: progress?.startRunAt ?? null, attempts: [...(progress?.attempts ?? []), attempt] }))));
  };
  const markRunning = (): Promise<boolean> => {
    if (!merging) return whileRunning(() => writes.markRunRunning(ref, clock.now()));
    if (reason !== null) return Promise.resolve(false);
    startRunAt = clock.now();
    // Written on its own if the first step's start does not come soon (a slow `with`, a long
    // read of the checkpoints): RUNNING must show while the run works.
    setTimeout(() => {
      if (startRunAt !== null) flushSoon();
    }, START_ALONE_AFTER_MS).unref();
    return Promise.resolve(true);
  };
  const finishRun = (status: typeof RunStatus.COMPLETED | typeof RunStatus.FAILED, output: unknown, error: RunError | null) =>
    withPending((progress) => writes.finishRun({ lease: ref, status, output, error, now: clock.now(), ...(progress ? { progress } : {}) }));

  return {
    ...ref,
    signal: controller.signal,
    stopReason: () => reason,
    saveAttempt,
    markRunning,
    appendDelta: async (stepId, attempt, text) => {
      if (reason !== null || writes.appendStepDelta === undefined) return false;
      // A delta needs its attempt's RUNNING on record: a start still pending goes first.
      if (deferred.length > 0 && !(await flushPending())) return false;
      return writes.appendStepDelta(ref, { runId: ref.runId, stepId, attempt, text, now: clock.now() });
    },
    appendLogs: async (lines, maxLines) =>
      reason === null && writes.appendStepLogs !== undefined ? writes.appendStepLogs(ref.runId, lines, maxLines) : 0,
    finish: (status, output, error) => inOrder(() => whileRunning(() => finishRun(status, output, error))),
    // What is pending was saved before the release (also after an interruption): written first.
    release: (availableAt) => inOrder(async () => (await flushPendingNow()) && guarded(() => writes.releaseRun(ref, availableAt, clock.now()))),
    renew: () => guarded(() => writes.renewLease(ref, clock.now() + deps.leaseMs)),
    interrupt: () => stop('interrupted'),
    abort: (by) => {
      if (reason !== null) return;
      abortedBy = by;
      stop('aborted');
    },
    finishAborted: () => reason !== 'aborted'
      ? Promise.resolve(false)
      : inOrder(() => guarded(() => finishRun('FAILED', null, abortedRunError(abortedBy)))),
  };
}
