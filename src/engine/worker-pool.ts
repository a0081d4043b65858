import type { Clock } from '../core/clock.js';
import { newUuid } from '../core/ids.js';
import type { ExecutionResult } from '../core/outcomes.js';
import { assertNever } from '../core/assert-never.js';
import { leaseOf, type ClaimRunsInput } from '../store/lease-store.js';
import type { Run, Store } from '../store/store.js';
import { startLeaseKeeper } from './lease-keeper.js';
import { DEFAULT_ABORT_GRACE_MS, type RunExecutor } from './run-executor.js';
import type { RunControlStore } from '../store/run-control-store.js';
import type { FlowStore } from '../store/flow-store.js';
import { createRunLease, type LeaseWrites, type RunLease } from './run-lease.js';

/**
 * The reason the pool's wake-up signal aborts with: one object for all wake-ups (abort()
 * without a reason makes a DOMException with a stack each time, several per run).
 */
const WOKEN = Object.freeze(new Error('woken'));

/** Claims one pool keeps on their way at once (see startClaim). */
const MAX_CLAIMS_IN_FLIGHT = 2;

/** How often a pool looks for queued runs whose ttl passed, and how many it ends per statement. */
const EXPIRY_INTERVAL_MS = 250;
const EXPIRY_BATCH = 500;

export interface WorkerPoolOptions {
  /** Run slots: how many runs this process executes at once. */
  concurrency: number;
  leaseMs: number;
  /** How often to look for work when nothing woke the pool (polling is the truth). */
  pollIntervalMs: number;
  /** How long shutdown lets in-flight steps finish before interrupting them. */
  shutdownGraceMs: number;
  workerId?: string;
  onError?: (error: unknown) => void;
  /** `SLIPWAY_ABORT_GRACE`: an aborted run still active this long after the request is ended by the pool's sweep. */
  abortGraceMs?: number;
}

/** The few functions the pool needs (STYLE principle 18), not the whole store. */
export interface WorkerPoolDeps {
  /** Claims runs (`store.claimRuns`). */
  claim(input: ClaimRunsInput): Promise<Run[]>;
  /** Subscribes to "runs became claimable" (`store.onRunsQueued`); returns the unsubscribe. */
  onQueued(listener: () => void): () => void;
  /** The guarded writes each claimed run's lease handle makes (save, mark running, release, finish, renew). */
  leaseWrites: LeaseWrites;
  clock: Clock;
  executor: Pick<RunExecutor, 'execute'>;
  /** Abort requests (SPEC §11): seen by each run's lease keeper; overdue ones ended by the sweep. Absent: no abort support. */
  abortControl?: Pick<RunControlStore, 'abortRequestOf' | 'endOverdueAborts'>;
  /** Ends QUEUED runs whose ttl passed (SPEC §12, `store.expireQueuedRuns`). Absent: no expiry in this pool. */
  expireQueuedRuns?: FlowStore['expireQueuedRuns'];
}

/** The pool's functions taken from a store, as composition code wires them. */
export function workerPoolDepsOf(
  store: Pick<Store, 'claimRuns' | 'onRunsQueued'> & LeaseWrites & Partial<Pick<Store, 'abortRequestOf' | 'endOverdueAborts' | 'expireQueuedRuns'>>,
  clock: Clock,
  executor: Pick<RunExecutor, 'execute'>,
): WorkerPoolDeps {
  const { abortRequestOf, endOverdueAborts } = store;
  const abortControl = abortRequestOf && endOverdueAborts
    ? { abortRequestOf: abortRequestOf.bind(store), endOverdueAborts: endOverdueAborts.bind(store) }
    : undefined;
  return {
    claim: (input) => store.claimRuns(input), onQueued: (listener) => store.onRunsQueued(listener), leaseWrites: store, clock, executor,
    ...(abortControl ? { abortControl } : {}),
    ...(store.expireQueuedRuns ? { expireQueuedRuns: store.expireQueuedRuns.bind(store) } : {}),
  };
}

/**
 * The claim loop (STYLE principle 5): claims runs while it has free slots (never one it
 * is executing), executes each under a lease handle kept alive by heartbeats, and sleeps
 * until the poll interval passes or it is woken. Shutdown order: stop claiming; let
 * in-flight steps finish (up to the grace period), each run released at its next step
 * boundary; interrupt what is left, which releases those runs too.
 */
export function createWorkerPool(deps: WorkerPoolDeps, options: WorkerPoolOptions) {
  const { clock } = deps;
  const workerId = options.workerId ?? `worker-${newUuid()}`;
  const inFlight = new Map<string, { promise: Promise<void>; lease: RunLease; workspaceId: number }>();
  const stopping = new AbortController();
  let wakeUp = new AbortController();
  let loop: Promise<void> | null = null;
  let unsubscribe: () => void = () => {};
  const wakeTimers = new Set<() => void>();

  function wake() {
    wakeUp.abort(WOKEN);
  }

  /** A run this process released to wait is due at `at`: look for work then, not at the next poll. */
  function wakeAt(at: number) {
    const cancel = clock.timer(Math.max(0, at - clock.now()) + 5, () => {
      wakeTimers.delete(cancel);
      wake();
    });
    wakeTimers.add(cancel);
  }

  // stop() wakes the pool too, so the wake-up signal alone ends a sleep (no AbortSignal.any per claim).
  async function sleep(ms: number) {
    if (!wakeUp.signal.aborted && !stopping.signal.aborted) await clock.sleep(ms, wakeUp.signal);
    wakeUp = new AbortController();
  }

  function afterExecution(result: ExecutionResult) {
    switch (result.kind) {
      case 'waiting':
        wakeAt(result.until);
        return;
      case 'finished':
      case 'released':
      case 'lost':
      case 'interrupted':
        return;
      default:
        assertNever(result);
    }
  }

  /**
   * Runs whose finish is on its way to the database: their slot counts as free, so the claim
   * that refills it overlaps the finish's round trip instead of following it (the run does no
   * more work; it stays in `inFlight`, so it is never claimed again here, until the finish
   * returns).
   */
  const finishing = new Set<string>();
  const { finishRun } = deps.leaseWrites;
  const writes: LeaseWrites = Object.assign(Object.create(deps.leaseWrites) as LeaseWrites, {
    finishRun: (input: Parameters<LeaseWrites['finishRun']>[0]) => {
      if (inFlight.has(input.lease.runId) && !finishing.has(input.lease.runId)) {
        finishing.add(input.lease.runId);
        wake();
      }
      return finishRun.call(deps.leaseWrites, input);
    },
  });

  function execute(run: Run) {
    const lease = createRunLease({ writes, clock, leaseMs: options.leaseMs }, leaseOf(run));
    const stopKeeper = startLeaseKeeper({
      lease, clock, leaseMs: options.leaseMs, ...(deps.abortControl ? { abortRequestOf: deps.abortControl.abortRequestOf } : {}),
    });
    const promise = deps.executor
      .execute(run, lease, { isDraining: () => stopping.signal.aborted })
      .then(afterExecution)
      .catch(async (error: unknown) => {
        options.onError?.(error);
        // Unexpected failure (e.g. the database went away): give the run back to be retried.
        await lease.release(clock.now() + 1000).catch(() => {});
      })
      .finally(() => {
        stopKeeper();
        inFlight.delete(run.id);
        finishing.delete(run.id);
        wake();
      });
    inFlight.set(run.id, { promise, lease, workspaceId: run.workspaceId });
  }

  /** Slots asked for by claims still in flight (they are not free for another claim). */
  let claimingSlots = 0;
  const claimsInFlight = new Set<Promise<void>>();
  /** Set when a claim failed: the loop backs off before claiming again. */
  let claimFailed = false;

  /**
   * One claim of `limit` slots, in flight beside the loop: on a database several round trips
   * away, a claim takes longer than a short run, so while it is on its way the runs that
   * finish meanwhile can be claimed for by a second one (SKIP LOCKED keeps them apart).
   */
  function startClaim(limit: number): void {
    claimingSlots += limit;
    const claim = (async () => {
      let claimed: Run[];
      try {
        // Never claim a run this process still executes, even when its lease looks expired
        // (an event-loop stall longer than the lease): that would run it twice here.
        claimed = await deps.claim({
          workerId, limit, leaseMs: options.leaseMs, now: clock.now(), newExecutionId: newUuid, excludeRunIds: [...inFlight.keys()],
        });
      } catch (error) {
        options.onError?.(error);
        claimFailed = true;
        return;
      } finally {
        claimingSlots -= limit;
      }
      // A claim that raced with the stop signal: those runs start, see the drain and are released at once.
      for (const run of claimed) execute(run);
      // A full batch suggests more work is waiting: claim again at once.
      if (claimed.length === limit) wake();
    })().finally(() => {
      claimsInFlight.delete(claim);
      if (claimFailed) wake();
    });
    claimsInFlight.add(claim);
  }

  async function claimLoop() {
    while (!stopping.signal.aborted) {
      if (claimFailed) {
        claimFailed = false;
        await sleep(Math.min(5000, options.pollIntervalMs * 5));
        continue;
      }
      const free = options.concurrency - (inFlight.size - finishing.size) - claimingSlots;
      if (free > 0 && claimsInFlight.size < MAX_CLAIMS_IN_FLIGHT) {
        startClaim(free);
        continue;
      }
      await sleep(options.pollIntervalMs);
    }
    await Promise.all(claimsInFlight);
  }

  /**
   * Ends runs whose abort was requested more than the grace ago and that are still active,
   * whichever process executes them (it may have died or be stuck): SPEC §11.
   */
  async function abortSweepLoop(abortControl: NonNullable<WorkerPoolDeps['abortControl']>) {
    const graceMs = options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS;
    const every = Math.max(50, Math.min(1000, Math.floor(graceMs / 4)));
    while (!stopping.signal.aborted) {
      await clock.sleep(every, stopping.signal);
      if (stopping.signal.aborted) return;
      await abortControl.endOverdueAborts(clock.now(), graceMs).catch((error: unknown) => options.onError?.(error));
    }
  }

  /** Queued runs whose ttl passed end CANCELED (`expired`) within about a second, whichever process runs this (SPEC §12). */
  async function expiryLoop(expire: NonNullable<WorkerPoolDeps['expireQueuedRuns']>) {
    while (!stopping.signal.aborted) {
      await clock.sleep(EXPIRY_INTERVAL_MS, stopping.signal);
      if (stopping.signal.aborted) return;
      // A full batch: more are due, go on at once.
      while (!stopping.signal.aborted && (await expire(clock.now(), EXPIRY_BATCH).catch((error: unknown) => {
        options.onError?.(error);
        return 0;
      })) === EXPIRY_BATCH);
    }
  }

  return {
    workerId,
    start() {
      if (options.concurrency <= 0 || loop) return;
      unsubscribe = deps.onQueued(wake);
      loop = claimLoop();
      if (deps.abortControl) void abortSweepLoop(deps.abortControl);
      if (deps.expireQueuedRuns) void expiryLoop(deps.expireQueuedRuns);
    },
    /** Wakes the claim loop now, e.g. after this process queued a run. */
    wake,
    /** Runs being executed right now. */
    get activeRuns() {
      return inFlight.size;
    },
    /** The runs being executed right now, with their workspaces (the workers registry's heartbeat). */
    get activeRunList(): { runId: string; workspaceId: number }[] {
      return [...inFlight].map(([runId, entry]) => ({ runId, workspaceId: entry.workspaceId }));
    },
    /** Stops claiming at once; drains in-flight runs within the grace period; interrupts (and so releases) the rest. */
    async stop() {
      if (stopping.signal.aborted) return;
      stopping.abort();
      wake();
      unsubscribe();
      for (const cancel of wakeTimers) cancel();
      wakeTimers.clear();
      await loop;
      const all = () => Promise.all([...inFlight.values()].map((entry) => entry.promise));
      const drained = new AbortController();
      const draining = all().then(() => drained.abort());
      await clock.sleep(options.shutdownGraceMs, drained.signal);
      if (drained.signal.aborted) return;
      for (const entry of inFlight.values()) entry.lease.interrupt();
      await draining;
    },
  };
}

export type WorkerPool = ReturnType<typeof createWorkerPool>;
