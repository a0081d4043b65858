import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../../core/errors.js';

/**
 * Opening the SQLite file, and what to do when another process holds its write lock
 * (issue 19 item 6). better-sqlite3 is synchronous: while SQLite's busy handler waits for
 * the lock, the whole event loop waits with it (with the old 10 s `busy_timeout`, `/healthz`
 * and every request froze for 10 s and then answered 500). So SQLite waits only
 * {@link SQLITE_BUSY_WAIT_MS} at a time; longer waits are asynchronous retries (the group
 * commit's, and {@link retryWhileBusy}), and a lock held past the store's lock wait
 * (`SLIPWAY_SQLITE_LOCK_WAIT`) or a full disk answer 503 `service_unavailable`.
 */

/** Longest the event loop may be blocked by one wait for the write lock. */
export const SQLITE_BUSY_WAIT_MS = 25;
/** Default of `SLIPWAY_SQLITE_LOCK_WAIT`: how long a write waits (asynchronously) for the lock before 503. */
export const DEFAULT_SQLITE_LOCK_WAIT_MS = 5_000;

export function openSqliteDatabase(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${SQLITE_BUSY_WAIT_MS}`);
  db.pragma('foreign_keys = ON');
  return db;
}

/** SQLITE_BUSY (another connection holds the lock) or SQLITE_LOCKED, with their extended codes. */
export function isLockBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

/** The catalogue error for a write lock held too long by someone else. */
export function lockTimeoutError(waitedMs: number): AppError {
  return new AppError('service_unavailable', `The database is locked by another process (waited ${Math.round(waitedMs)} ms); retry shortly.`);
}

/** Delay before the `attempt`-th retry: 5, 10, 20, 40 ms, then every 50 ms. */
export function busyRetryDelay(attempt: number): number {
  return Math.min(5 * 2 ** attempt, 50);
}

/**
 * Runs synchronous SQL `work` (e.g. a `BEGIN IMMEDIATE` transaction), retrying it
 * asynchronously while the lock is busy, for up to `lockWaitMs`; then rejects with 503.
 * `work` must have no effect when it fails busy (a transaction that did not begin).
 *
 * @example
 * await retryWhileBusy(() => migrateSqlite(db, Date.now()), 30_000);
 */
export async function retryWhileBusy<T>(work: () => T, lockWaitMs: number): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return work();
    } catch (error) {
      if (!isLockBusy(error)) throw error;
      if (Date.now() - started >= lockWaitMs) throw lockTimeoutError(Date.now() - started);
      await new Promise((resolve) => setTimeout(resolve, busyRetryDelay(attempt)));
    }
  }
}
