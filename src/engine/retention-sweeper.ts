import { startOfUtcDay, type Clock } from '../core/clock.js';
import { DELETED_RUN_RECORD_MS, RETENTION_STATUSES, type RetentionStore } from '../store/retention-store.js';
import type { TenancyStore } from '../store/tenancy-store.js';
import { EVENT_DEDUP_WINDOW_MS, type WaitpointStore } from '../store/waitpoint-store.js';

/** Runs deleted per transaction: small, so a batch holds the database (SQLite's write lock) only briefly. */
export const RETENTION_BATCH_SIZE = 50;
/** At most this many batches per workspace and status in one sweep; the rest waits for the next sweep. */
const MAX_BATCHES_PER_SWEEP = 200;

export interface RetentionSweeperOptions {
  /** `SLIPWAY_RETENTION_INTERVAL`: the pause between two sweeps. */
  intervalMs: number;
  batchSize?: number;
  onError?: (error: unknown) => void;
  /** After each sweep the timer ran (the server logs the ones that deleted something). */
  onSweep?: (report: SweepReport) => void;
}

export interface RetentionSweeperDeps {
  store: Pick<TenancyStore, 'listWorkspaces'> & Pick<RetentionStore, 'deleteExpiredRuns' | 'forgetDeletedRuns' | 'forgetDailyRunCounts'> & Pick<WaitpointStore, 'forgetEventIds'>;
  clock: Clock;
}

/** What one sweep did. */
export interface SweepReport {
  /** Runs deleted (with everything they owned). */
  deletedRuns: number;
  /** Deleted-run records dropped, their 24 h being over. */
  forgottenRecords: number;
  /** `POST /events` ids dropped, their de-duplication window being over. */
  forgottenEventIds: number;
  /** Daily-limit count rows of UTC days before yesterday dropped. */
  forgottenDailyCounts: number;
}

/**
 * The retention sweeper (SPEC §17), started with the worker pool in every process with
 * workers. Every sweep reads the workspaces' settings afresh and deletes, batch by batch,
 * their finished runs that ended longer ago than the retention of their status; between
 * two batches it lets the event loop run, so the API of its process keeps answering.
 * Several processes may sweep at once: each batch is one store transaction that deletes a
 * run at most once (SKIP LOCKED on PostgreSQL, the write lock on SQLite).
 *
 * @example
 * const sweeper = createRetentionSweeper({ store, clock }, { intervalMs: 60_000 });
 * sweeper.start();
 */
export function createRetentionSweeper(deps: RetentionSweeperDeps, options: RetentionSweeperOptions) {
  const batchSize = options.batchSize ?? RETENTION_BATCH_SIZE;
  let cancelTimer: (() => void) | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = true;
  /** Set by stop(): a sweep in progress ends after its current batch. */
  let stopping = false;

  /** One sweep: every workspace with a retention, every status it limits. Tests call it directly. */
  async function sweep(): Promise<SweepReport> {
    const report: SweepReport = { deletedRuns: 0, forgottenRecords: 0, forgottenEventIds: 0, forgottenDailyCounts: 0 };
    for (const workspace of await deps.store.listWorkspaces()) {
      for (const { key, status } of RETENTION_STATUSES) {
        const keptMs = workspace.retention[key];
        if (keptMs === null) continue;
        report.deletedRuns += await inBatches(() => {
          const now = deps.clock.now();
          return deps.store.deleteExpiredRuns({ workspaceId: workspace.id, status, endedBefore: now - keptMs, limit: batchSize, now });
        });
      }
    }
    report.forgottenRecords = await inBatches(() => deps.store.forgetDeletedRuns(deps.clock.now() - DELETED_RUN_RECORD_MS, batchSize));
    // `POST /events` ids past their de-duplication window (SPEC §7).
    report.forgottenEventIds = await inBatches(() => deps.store.forgetEventIds(deps.clock.now() - EVENT_DEDUP_WINDOW_MS, batchSize));
    // Only today's count is read (the daily limit); yesterday's is kept for a day, for whoever looks.
    report.forgottenDailyCounts = await deps.store.forgetDailyRunCounts(startOfUtcDay(deps.clock.now()) - 86_400_000);
    return report;
  }

  /** Runs `batch` (which deletes up to batchSize rows) until it comes back short, a stop, or the per-sweep cap; the total. */
  async function inBatches(batch: () => Promise<number>): Promise<number> {
    let total = 0;
    for (let n = 0; n < MAX_BATCHES_PER_SWEEP; n++) {
      const done = await batch();
      total += done;
      if (done < batchSize || stopping) break;
      await yieldToEventLoop();
    }
    return total;
  }

  function schedule(delayMs: number) {
    if (stopped) return;
    cancelTimer = deps.clock.timer(delayMs, () => {
      running = sweep().then((report) => options.onSweep?.(report), (error: unknown) => options.onError?.(error)).finally(() => {
        running = null;
        schedule(options.intervalMs);
      });
    });
  }

  return {
    sweep,
    start() {
      if (!stopped) return;
      stopped = false;
      stopping = false;
      // The first sweep soon after start, then one every interval.
      schedule(Math.min(options.intervalMs, 1000));
    },
    /** Stops sweeping and waits for a sweep in progress (it stops after its current batch). */
    async stop() {
      stopped = true;
      stopping = true;
      cancelTimer?.();
      await running;
    },
  };
}

export type RetentionSweeper = ReturnType<typeof createRetentionSweeper>;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
