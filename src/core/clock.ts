/**
 * Time source and timers, injected everywhere so tests can control them: `now` in
 * milliseconds since the epoch, and every timer of the engine (poll sleeps, lease
 * heartbeats, waits that come due, step timeouts) goes through `sleep` or `timer`, so a
 * fake clock (test/support/fake-clock.ts) drives a whole run loop in milliseconds.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `callback` once after `ms`; returns a function that cancels it. Never keeps the process alive. */
  timer(ms: number, callback: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(handle);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const handle = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    });
  },
  timer(ms, callback) {
    const handle = setTimeout(callback, Math.max(0, ms));
    handle.unref();
    return () => clearTimeout(handle);
  },
};

/** The system's timers with another time source, e.g. a test's settable `now`. */
export function clockWithNow(now: () => number): Clock {
  return { ...systemClock, now };
}

/**
 * An AbortSignal that aborts with a `TimeoutError` after `ms` on `clock`; `cancel` stops the timer.
 * Use it, not an inline `AbortSignal.timeout()`, inside `AbortSignal.any()`: on Node 20 `any`
 * holds its sources weakly, so a timeout signal nothing else references can be garbage-collected
 * before it fires and the combined signal never aborts (test/timeouts-under-gc.test.ts).
 */
export function timeoutSignal(clock: Clock, ms: number): { signal: AbortSignal; cancel: () => void } {
  const controller = new AbortController();
  const cancel = clock.timer(ms, () => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')));
  return { signal: controller.signal, cancel };
}

/** ISO 8601 UTC with milliseconds, the only timestamp format on the wire (SPEC §1). */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

export function toIsoOrNull(ms: number | null): string | null {
  return ms === null ? null : toIso(ms);
}

/** Start of the UTC day that contains `ms`. */
export function startOfUtcDay(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}
