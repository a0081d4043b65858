export interface WaitForOptions {
  /** How long to keep asking; generous by default, since the machine may be loaded. */
  timeoutMs?: number;
  /** Pause between two checks. */
  intervalMs?: number;
  /** What is awaited, for the error message ("run X completes"). */
  what?: string;
  /** Treat a check that throws as "not yet" (e.g. while a server restarts); the last error goes into the message. */
  retryOnError?: boolean;
}

/** What a check answers: a value (done), or null / undefined / false (not yet). */
export type Check<T> = () => T | null | undefined | false | Promise<T | null | undefined | false>;

/**
 * The one way tests wait for a condition: asks `check` until it answers a value other than
 * null, undefined or false, and resolves with that value; rejects after `timeoutMs`
 * (default 30 s) saying what was awaited. Tests wait on conditions, never on fixed sleeps.
 *
 * @example
 * const run = await waitFor(async () => { const r = await get(id); return r.status === 'COMPLETED' && r; }, { what: `run ${id} completes` });
 */
export async function waitFor<T>(check: Check<T>, options: WaitForOptions = {}): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 50, what = 'the condition', retryOnError = false } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== null && value !== undefined && value !== false) return value;
    } catch (error) {
      if (!retryOnError) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError ? ` (last error: ${(lastError as Error).message ?? String(lastError)})` : '';
      throw new Error(`waited ${timeoutMs} ms for ${what}, in vain${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
