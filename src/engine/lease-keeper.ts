import type { Clock } from '../core/clock.js';
import type { RunLease } from './run-lease.js';

/** How often a lease keeper looks for an abort request of its run (SPEC §11: seen within a second). */
export const ABORT_POLL_MS = 250;

/** The stop signal's reason, one for all keepers (abort() without one makes a DOMException per run). */
const STOPPED = Object.freeze(new Error('lease keeper stopped'));

/**
 * Keeps one lease alive with heartbeats every third of `leaseMs` while a worker executes
 * its run. A refused renewal (the run was claimed again after this worker stalled) marks
 * the lease lost, which aborts its signal so the executor stops writing. With
 * `abortRequestOf`, it also looks every `ABORT_POLL_MS` for an abort request recorded in
 * the database (by any process) and aborts the lease with it. Returns `stop`.
 */
export function startLeaseKeeper(deps: {
  lease: RunLease;
  clock: Clock;
  leaseMs: number;
  /** The name of whoever asked to abort the run, or null (`store.abortRequestOf`). */
  abortRequestOf?: (runId: string) => Promise<string | null>;
}): () => void {
  const renewEvery = Math.max(50, Math.floor(deps.leaseMs / 3));
  const tick = deps.abortRequestOf ? Math.min(renewEvery, ABORT_POLL_MS) : renewEvery;
  const stopped = new AbortController();
  void (async () => {
    let renewAt = deps.clock.now() + renewEvery;
    // An aborted lease is still renewed: it holds the run until the run ends FAILED/ABORTED.
    while (!stopped.signal.aborted && (deps.lease.stopReason() === null || deps.lease.stopReason() === 'aborted')) {
      await deps.clock.sleep(tick, stopped.signal);
      if (stopped.signal.aborted) return;
      if (deps.abortRequestOf && deps.lease.stopReason() === null) {
        // A failed look (database briefly away) is retried on the next tick.
        const by = await deps.abortRequestOf(deps.lease.runId).catch(() => null);
        if (by !== null) {
          deps.lease.abort(by);
        }
      }
      if (deps.clock.now() < renewAt) continue;
      renewAt = deps.clock.now() + renewEvery;
      // A failed heartbeat (database briefly away) is retried on the next tick; the lease has slack for that.
      await deps.lease.renew().catch(() => true);
    }
  })();
  return () => stopped.abort(STOPPED);
}
