/** Streamed text is written at most this often per step (SPEC §9: coalesced at most every 100 ms). */
export const DELTA_INTERVAL_MS = 100;

/**
 * Coalesces the text a step streams into `step.delta` writes: the first piece is written at
 * once, later ones gathered and written at most every `intervalMs`, one write at a time.
 * `stop()` is awaited before the step's outcome is recorded, so no delta is written after
 * its attempt ended (what was not written by then is in the step's output anyway).
 */
export function createDeltaPublisher(append: (text: string) => Promise<boolean>, intervalMs = DELTA_INTERVAL_MS) {
  let buffer = '';
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> | null = null;
  let lastWriteAt = 0;
  let stopped = false;

  function schedule() {
    if (timer || writing || stopped || buffer === '') return;
    const wait = Math.max(0, lastWriteAt + intervalMs - Date.now());
    timer = setTimeout(flush, wait);
  }

  function flush() {
    timer = null;
    if (stopped || buffer === '') return;
    const text = buffer;
    buffer = '';
    lastWriteAt = Date.now();
    writing = append(text)
      .then((accepted) => {
        // The attempt is over or the lease is gone: nothing more to publish.
        if (!accepted) stopped = true;
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
      if (timer) clearTimeout(timer);
      timer = null;
      await writing;
    },
  };
}
