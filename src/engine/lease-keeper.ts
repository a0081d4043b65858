import type { Clock } from '../core/clock.js';
import type { Store } from '../store/store.js';

/**
 * Keeps one run's lease alive with heartbeats while a worker executes it. When a
 * renewal finds the lease gone (another worker took the run over after this one
 * stalled), `signal` aborts so the executor stops writing.
 */
export function startLeaseKeeper(deps: { store: Store; clock: Clock; runId: string; workerId: string; leaseMs: number }) {
  const lost = new AbortController();
  const interval = Math.max(50, Math.floor(deps.leaseMs / 3));
  const timer = setInterval(() => {
    deps.store
      .renewLease(deps.runId, deps.workerId, deps.clock.now() + deps.leaseMs)
      .then((held) => {
        if (!held) lost.abort(new Error('lease lost'));
      })
      .catch(() => {
        // A failed heartbeat is retried on the next tick; the lease has slack for that.
      });
  }, interval);
  timer.unref();
  return {
    signal: lost.signal,
    stop: () => clearInterval(timer),
  };
}
