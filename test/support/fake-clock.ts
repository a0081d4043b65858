import type { Clock } from '../../src/core/clock.js';

interface FakeTimer {
  at: number;
  seq: number;
  fire: () => void;
}

/**
 * A clock whose time moves only when the test says so: `sleep` and `timer` register
 * fake timers, and `runUntil` lets the code under test settle, then jumps to the next
 * timer and fires it, until a condition holds. Hours of engine time pass in milliseconds.
 *
 * @example
 * const clock = createFakeClock(T0);
 * pool.start();
 * await clock.runUntil(() => store.run(id).status === 'COMPLETED');
 */
export function createFakeClock(start: number) {
  let now = start;
  let seq = 0;
  const timers: FakeTimer[] = [];

  function add(ms: number, fire: () => void): () => void {
    const timer = { at: now + Math.max(0, ms), seq: seq++, fire };
    timers.push(timer);
    return () => {
      const at = timers.indexOf(timer);
      if (at >= 0) timers.splice(at, 1);
    };
  }

  const clock: Clock = {
    now: () => now,
    sleep(ms, signal) {
      return new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        const cancel = add(ms, () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
        const onAbort = () => {
          cancel();
          resolve();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    timer: (ms, callback) => add(ms, callback),
  };

  /** Lets promises, microtasks and immediates of the code under test run (no fake time passes). */
  async function settle() {
    for (let i = 0; i < 25; i++) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Fires every timer due at the earliest pending time, after moving the clock there. False when none is pending. */
  function fireNext(limit: number): boolean {
    if (timers.length === 0) return false;
    const next = Math.min(...timers.map((t) => t.at));
    if (next > limit) return false;
    now = Math.max(now, next);
    const due = timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at || a.seq - b.seq);
    for (const timer of due) timers.splice(timers.indexOf(timer), 1);
    for (const timer of due) timer.fire();
    return true;
  }

  return {
    clock,
    now: () => now,
    /** Timers pending now. */
    get pendingTimers() {
      return timers.length;
    },
    settle,
    /** Runs the code under test and the fake timers until `done()` holds; fails after `maxMs` of fake time. */
    async runUntil(done: () => boolean, maxMs = 24 * 3600_000): Promise<void> {
      const limit = now + maxMs;
      await settle();
      while (!done()) {
        if (!fireNext(limit)) throw new Error(`condition not met within ${maxMs} ms of fake time (now +${now - start} ms, ${timers.length} timers)`);
        await settle();
      }
    },
    /** Moves time forward by `ms`, firing the timers due on the way. */
    async advance(ms: number): Promise<void> {
      const target = now + ms;
      await settle();
      while (fireNext(target)) await settle();
      now = target;
      await settle();
    },
  };
}

export type FakeClock = ReturnType<typeof createFakeClock>;
