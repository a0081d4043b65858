import type { Clock } from '../core/clock.js';

/** Streamed text is written at most this often per step (SPEC §9: coalesced at most every 100 ms). */
export const DELTA_INTERVAL_MS = 100;

/**
 * Coalesces the text a step streams into `step.delta` writes: the first piece is written at
 * once, later ones gathered and written at most every `intervalMs`, one write at a time.
 * `stop()` is awaited before the step's outcome is recorded: it writes what is still gathered
 * and waits for it, so the deltas add up to the whole text and none lands after the attempt ended.
 */
export function createDeltaPublisher(append: (text: string) => Promise<boolean>, clock: Clock, intervalMs = DELTA_INTERVAL_MS) {
  let buffer = '';
  let cancelTimer: (() => void) | null = null;
  let writing: Promise<void> | null = null;
  let lastWriteAt = 0;
  let stopped = false;
  let refused = false;

  function schedule() {
    if (cancelTimer || writing || stopped || buffer === '') return;
    const wait = Math.max(0, lastWriteAt + intervalMs - clock.now());
    cancelTimer = clock.timer(wait, flush);
  }

  function flush() {
    cancelTimer = null;
    if (stopped || buffer === '') return;
    const text = buffer;
    buffer = '';
    lastWriteAt = clock.now();
    writing = append(text)
      .then((accepted) => {
        // The attempt is over or the lease is gone: nothing more to publish.
        if (!accepted) refused = stopped = true;
      })
      .catch(() => {
        // A lost delta costs a subscriber some live text, never the output.
      })
      .finally(() => {
        writing = null;
        schedule();
      });
  }

  return {
    push(text: string) {
      if (stopped || text === '') return;
      buffer += text;
      schedule();
    },
    async stop() {
      stopped = true;
      cancelTimer?.();
      cancelTimer = null;
      await writing;
      if (!refused && buffer !== '') {
        const text = buffer;
        buffer = '';
        await append(text).catch(() => false);
      }
    },
  };
}
