/** At most one NOTIFY of new runs per this many milliseconds and process. */
export const NOTIFY_EVERY_MS = 10;

/**
 * Leading and trailing throttle of a notification: `notify()` sends at once when nothing was
 * sent in the last NOTIFY_EVERY_MS, otherwise once at the window's end for every call in it.
 * A failed send is dropped: a lost notification only delays a wake-up to the next poll.
 *
 * @example
 * const notifier = createThrottledNotify(() => query('SELECT pg_notify($1, $2)', [channel, '']));
 * notifier.notify();
 */
export function createThrottledNotify(send: () => Promise<unknown>) {
  let pending = false;
  let sending = false;
  let timer: NodeJS.Timeout | null = null;
  let lastSentAt = -Infinity;
  async function flush() {
    timer = null;
    if (!pending || sending) return;
    pending = false;
    sending = true;
    lastSentAt = performance.now();
    await send().catch(() => {});
    sending = false;
    if (pending) notify();
  }
  function notify() {
    pending = true;
    if (sending || timer) return;
    const wait = lastSentAt + NOTIFY_EVERY_MS - performance.now();
    if (wait <= 0) void flush();
    else timer = setTimeout(() => void flush(), wait).unref();
  }
  return { notify };
}
