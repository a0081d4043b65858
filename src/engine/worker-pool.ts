import type { Clock } from '../core/clock.js';
import { newUuid } from '../core/ids.js';
import type { Run, Store } from '../store/store.js';
import { startLeaseKeeper } from './lease-keeper.js';
import type { RunExecutor } from './run-executor.js';

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
}

/**
 * The claim loop (STYLE principle 5): claims runs while it has free slots, executes each
 * under a lease kept alive by heartbeats, and sleeps until the poll interval passes or
 * the store says runs were queued. Shutdown order: stop claiming; let in-flight steps
 * finish (up to the grace period), releasing each run at its next step boundary;
 * interrupt what is left and release those leases too.
 */
export function createWorkerPool(deps: { store: Store; clock: Clock; executor: RunExecutor }, options: WorkerPoolOptions) {
  const { store, clock } = deps;
  const workerId = options.workerId ?? `worker-${newUuid()}`;
  const inFlight = new Map<string, { promise: Promise<void>; interrupt: AbortController }>();
  let draining = false;
  let stopped = false;
  let wakeUp: (() => void) | null = null;
  let loop: Promise<void> | null = null;
  let unsubscribe: () => void = () => {};
  const wakeTimers = new Set<NodeJS.Timeout>();

  /** A run this process released to wait is due at `at`: look for work then, not at the next poll. */
  function wakeAt(at: number) {
    const timer = setTimeout(() => {
      wakeTimers.delete(timer);
      wake();
    }, Math.max(0, at - clock.now()) + 5);
    timer.unref();
    wakeTimers.add(timer);
  }

  function wake() {
    wakeUp?.();
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });
  }

  function execute(run: Run) {
    const interrupt = new AbortController();
    const lease = startLeaseKeeper({ store, clock, runId: run.id, workerId, leaseMs: options.leaseMs });
    const signal = AbortSignal.any([interrupt.signal, lease.signal]);
    const promise = deps.executor
      .execute(run, { workerId, signal, isDraining: () => draining })
      .then((result) => {
        if (result.kind === 'waiting') wakeAt(result.until);
      })
      .catch(async (error: unknown) => {
        options.onError?.(error);
        // Unexpected failure (e.g. the database went away): give the run back to be retried.
        await store.releaseRun(run.id, workerId, clock.now() + 1000, clock.now()).catch(() => {});
      })
      .finally(() => {
        lease.stop();
        inFlight.delete(run.id);
        wake();
      });
    inFlight.set(run.id, { promise: promise.then(() => {}), interrupt });
  }

  async function claimLoop() {
    while (!draining) {
      const free = options.concurrency - inFlight.size;
      let claimed: Run[] = [];
      if (free > 0) {
        try {
          claimed = await store.claimRuns({ workerId, limit: free, leaseMs: options.leaseMs, now: clock.now(), newExecutionId: newUuid });
        } catch (error) {
          options.onError?.(error);
          await sleep(Math.min(5000, options.pollIntervalMs * 5));
          continue;
        }
        for (const run of claimed) execute(run);
      }
      // A full batch suggests more work is waiting: claim again at once.
      if (free > 0 && claimed.length === free) continue;
      await sleep(options.pollIntervalMs);
    }
  }

  return {
    workerId,
    start() {
      if (options.concurrency <= 0 || loop) return;
      unsubscribe = store.onRunsQueued(wake);
      loop = claimLoop();
    },
    /** Wakes the claim loop now, e.g. after this process queued a run. */
    wake,
    /** Runs being executed right now. */
    get activeRuns() {
      return inFlight.size;
    },
    /** Stops claiming, drains in-flight runs within the grace period, releases the rest. */
    async stop() {
      if (stopped) return;
      stopped = true;
      draining = true;
      unsubscribe();
      for (const timer of wakeTimers) clearTimeout(timer);
      wakeTimers.clear();
      wake();
      await loop;
      const all = () => Promise.all([...inFlight.values()].map((r) => r.promise));
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<'timeout'>((resolve) => (graceTimer = setTimeout(() => resolve('timeout'), options.shutdownGraceMs)));
      const outcome = await Promise.race([all().then(() => 'drained' as const), grace]);
      clearTimeout(graceTimer);
      if (outcome === 'timeout') {
        const interrupted = [...inFlight.keys()];
        for (const entry of inFlight.values()) entry.interrupt.abort(new Error('worker shutting down'));
        await all();
        await Promise.all(interrupted.map((runId) => store.releaseRun(runId, workerId, clock.now(), clock.now()).catch(() => false)));
      }
    },
  };
}

export type WorkerPool = ReturnType<typeof createWorkerPool>;
