import type { Clock } from '../core/clock.js';
import type { WorkerActiveRun, WorkerRecord, WorkerStore } from '../store/worker-store.js';

/** A worker row that expired this long ago is deleted by the next heartbeat of any process. */
export const DEAD_WORKER_RETENTION_MS = 24 * 60 * 60_000;

/** A change of the active runs is reported this soon at most: a beat a second, not a write per claim. */
const CHANGE_BEAT_MS = 1000;

const signatureOf = (runs: readonly WorkerActiveRun[]) => runs.map((run) => run.runId).sort().join(',');

export interface WorkerHeartbeatOptions {
  /** The pool's worker id (the runs' `lease_owner`). */
  workerId: string;
  host: string;
  pid: number;
  /** Run slots. */
  concurrency: number;
  /** `SLIPWAY_LEASE_TIMEOUT`: the row stays live this long after each beat; beats come every third of it. */
  leaseMs: number;
  onError?: (error: unknown) => void;
}

/**
 * Keeps this process's row in the workers registry (SPEC §12): beats at once, then every third
 * of the lease timeout with the runs being executed (and within a second of a change of those
 * runs), so the row stays live while the process does; `stop` ends the beats and removes the row (a killed process's row simply expires).
 *
 * @example
 * const heartbeat = await startWorkerHeartbeat({ store, clock, activeRuns: () => pool.activeRunList }, options);
 * await heartbeat.stop();
 */
export async function startWorkerHeartbeat(
  deps: { store: Pick<WorkerStore, 'recordWorkerHeartbeat' | 'removeWorker'>; clock: Clock; activeRuns: () => WorkerActiveRun[] },
  options: WorkerHeartbeatOptions,
): Promise<{ stop(): Promise<void> }> {
  const { clock } = deps;
  const startedAt = clock.now();
  const everyMs = Math.max(50, Math.floor(options.leaseMs / 3));
  const stopped = new AbortController();

  let sent = '';
  const beat = async () => {
    const now = clock.now();
    const activeRuns = deps.activeRuns();
    sent = signatureOf(activeRuns);
    const record: WorkerRecord = {
      workerId: options.workerId, host: options.host, pid: options.pid, startedAt, lastSeenAt: now,
      expiresAt: now + options.leaseMs, concurrency: options.concurrency, activeRuns,
    };
    await deps.store.recordWorkerHeartbeat(record, now - DEAD_WORKER_RETENTION_MS);
  };

  // The first beat is awaited: once the pool claims, readers see a live worker.
  await beat().catch((error: unknown) => options.onError?.(error));
  const loop = (async () => {
    let beatAt = clock.now();
    while (!stopped.signal.aborted) {
      await clock.sleep(Math.min(everyMs, CHANGE_BEAT_MS), stopped.signal);
      if (stopped.signal.aborted) return;
      // Beat when due, or sooner (at most once a second) when the set of active runs changed.
      if (clock.now() - beatAt < everyMs && signatureOf(deps.activeRuns()) === sent) continue;
      beatAt = clock.now();
      // A failed beat (database briefly away) is retried on the next one; the row has slack for that.
      await beat().catch((error: unknown) => options.onError?.(error));
    }
  })();

  return {
    async stop() {
      if (stopped.signal.aborted) return;
      stopped.abort();
      await loop;
      await deps.store.removeWorker(options.workerId).catch((error: unknown) => options.onError?.(error));
    },
  };
}
