import { parseDuration } from '../core/duration.js';
import type { RetryPolicy } from '../workflow/definition.js';

export const DEFAULT_RETRY_DELAY_MS = 1000;
export const DEFAULT_RETRY_MAX_DELAY_MS = 5 * 60_000;

/** How many attempts a step gets in all (1 = no retry). */
export function maxAttempts(policy: RetryPolicy | undefined): number {
  return policy?.maxAttempts ?? 1;
}

/**
 * The wait before the next attempt after `failures` failed ones (1 after the first).
 * `fixed`: always `delay`; `exponential` (the default): `delay * 2^(failures-1)`; both
 * capped at `maxDelay`. With `jitter: true` the wait is drawn from [wait/2, wait].
 * @example retryDelayMs({ delay: '1s', backoff: 'exponential' }, 3) === 4000
 */
export function retryDelayMs(policy: RetryPolicy | undefined, failures: number, random: () => number = Math.random): number {
  const base = policy?.delay === undefined ? DEFAULT_RETRY_DELAY_MS : (parseDuration(policy.delay) ?? DEFAULT_RETRY_DELAY_MS);
  const cap = policy?.maxDelay === undefined ? DEFAULT_RETRY_MAX_DELAY_MS : (parseDuration(policy.maxDelay) ?? DEFAULT_RETRY_MAX_DELAY_MS);
  const exponent = policy?.backoff === 'fixed' ? 0 : Math.max(0, failures - 1);
  const wait = Math.min(cap, base * 2 ** Math.min(exponent, 30));
  return policy?.jitter ? Math.round(wait / 2 + (wait / 2) * random()) : wait;
}
