import type { Clock } from '../core/clock.js';
import type { RunLease } from './run-lease.js';

/**
 * Keeps one lease alive with heartbeats every third of `leaseMs` while a worker executes
 * its run. A refused renewal (the run was claimed again after this worker stalled) marks
 * the lease lost, which aborts its signal so the executor stops writing. Returns `stop`.
 */
export function startLeaseKeeper(deps: { lease: RunLease; clock: Clock; leaseMs: number }): () => void {
  const interval = Math.max(50, Math.floor(deps.leaseMs / 3));
  const stopped = new AbortController();
  void (async () => {
    while (!stopped.signal.aborted && !deps.lease.signal.aborted) {
      await deps.clock.sleep(interval, stopped.signal);
      if (stopped.signal.aborted) return;
      // A failed heartbeat (database briefly away) is retried on the next tick; the lease has slack for that.
      await deps.lease.renew().catch(() => true);
    }
  })();
  return () => stopped.abort();
}
