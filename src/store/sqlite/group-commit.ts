import type Database from 'better-sqlite3';
import { busyRetryDelay, DEFAULT_SQLITE_LOCK_WAIT_MS, isLockBusy, lockTimeoutError } from './sqlite-connection.js';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  submittedAt: number;
  /** `wait`: retried until the lock wait is over, then 503; `skip`: resolves undefined at once. */
  ifBusy: 'wait' | 'skip';
}

/**
 * Group commit for SQLite: write operations submitted during the same event-loop turn run
 * together in one `BEGIN IMMEDIATE` transaction, each inside its own savepoint, and every
 * caller's promise settles only after the shared COMMIT. A commit costs more than a small
 * write (about 100 µs against 70 µs on the benchmark machine), and a busy server issues
 * many small writes at once (concurrent creates, a worker's runs checkpointing side by side).
 *
 * What each operation guarantees is unchanged: its statements still run in order under
 * their SQL guards, atomically (an operation that throws is rolled back to its savepoint
 * and only its caller sees the error), and it is durable before its caller continues.
 * Operations of one batch see each other's writes, as if they had run one after another.
 *
 * When another process holds the write lock, `BEGIN IMMEDIATE` fails busy after a short
 * wait (sqlite-connection.ts) and nothing of the batch has run: the batch is tried again
 * after a few milliseconds, asynchronously, so the event loop keeps serving (`/healthz`,
 * reads), until an operation has waited `lockWaitMs`; it then rejects with 503
 * `service_unavailable`.
 */
export interface GroupCommit {
  /** Commits what is pending now (before closing the database), waiting out a busy lock as submit does. */
  drain(): Promise<void>;
  /** Runs `work` (synchronous SQL) in the next group commit; resolves with its result once committed. */
  submit<T>(work: () => T): Promise<T>;
  /** Like `submit`, but when the lock is busy the work is dropped and the answer is `undefined` (for best-effort writes such as a token's last-used date). */
  submitUnlessBusy<T>(work: () => T): Promise<T | undefined>;
}

export function createGroupCommit(db: Database.Database, options: { lockWaitMs?: number } = {}): GroupCommit {
  const lockWaitMs = options.lockWaitMs ?? DEFAULT_SQLITE_LOCK_WAIT_MS;
  let pending: Pending[] = [];
  let scheduled = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let busyAttempts = 0;
  // Called inside the batch's transaction, better-sqlite3 turns this into SAVEPOINT … RELEASE.
  const isolated = db.transaction((work: () => unknown) => work());
  const batch = db.transaction((items: Pending[]) =>
    items.map((item): { ok: true; value: unknown } | { ok: false; error: unknown } => {
      try {
        return { ok: true, value: isolated(item.work) };
      } catch (error) {
        // A full disk or an I/O error makes SQLite roll back the whole transaction: the
        // batch fails with that error, for every operation in it (all were undone).
        if (!db.inTransaction) throw error;
        return { ok: false, error };
      }
    }),
  );

  function flush() {
    scheduled = false;
    retryTimer = null;
    const items = pending;
    pending = [];
    if (items.length === 0) return;
    let outcomes: ReturnType<typeof batch>;
    try {
      outcomes = batch.immediate(items);
    } catch (error) {
      // BEGIN or COMMIT failed: nothing of the batch was written (better-sqlite3 rolled back).
      if (isLockBusy(error)) return waitForLock(items);
      busyAttempts = 0;
      for (const item of items) item.reject(error);
      return;
    }
    busyAttempts = 0;
    outcomes.forEach((outcome, i) => (outcome.ok ? items[i]!.resolve(outcome.value) : items[i]!.reject(outcome.error)));
  }

  function waitForLock(items: Pending[]) {
    const now = Date.now();
    const waiting: Pending[] = [];
    for (const item of items) {
      if (item.ifBusy === 'skip') item.resolve(undefined);
      else if (now - item.submittedAt >= lockWaitMs) item.reject(lockTimeoutError(now - item.submittedAt));
      else waiting.push(item);
    }
    pending = [...waiting, ...pending];
    if (pending.length > 0 && retryTimer === null) retryTimer = setTimeout(flush, busyRetryDelay(busyAttempts++));
  }

  function enqueue(work: () => unknown, ifBusy: Pending['ifBusy']): Promise<unknown> {
    return new Promise((resolve, reject) => {
      pending.push({ work, resolve, reject, submittedAt: Date.now(), ifBusy });
      // While a retry is due, new work joins it rather than trying the lock at once.
      if (!scheduled && retryTimer === null) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  }

  return {
    async drain() {
      while (pending.length > 0) {
        if (retryTimer !== null) clearTimeout(retryTimer);
        flush();
        if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, busyRetryDelay(busyAttempts)));
      }
    },
    submit: <T>(work: () => T) => enqueue(work, 'wait') as Promise<T>,
    submitUnlessBusy: <T>(work: () => T) => enqueue(work, 'skip') as Promise<T | undefined>,
  };
}
