import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxAttempts, retryDelayMs } from '../src/engine/retry-policy.js';

describe('retry policy', () => {
  it('defaults to one attempt and an exponential 1 s backoff', () => {
    assert.equal(maxAttempts(undefined), 1);
    assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(undefined, n)), [1000, 2000, 4000, 8000]);
  });

  it('keeps a fixed delay, caps at maxDelay, and draws jitter from [wait/2, wait]', () => {
    assert.deepEqual([1, 5].map((n) => retryDelayMs({ backoff: 'fixed', delay: '250ms' }, n)), [250, 250]);
    assert.equal(retryDelayMs({ delay: '1s', maxDelay: '3s' }, 10), 3000);
    assert.equal(retryDelayMs({ delay: '1s', jitter: true }, 2, () => 0), 1000);
    assert.equal(retryDelayMs({ delay: '1s', jitter: true }, 2, () => 1), 2000);
    assert.equal(retryDelayMs({ delay: '1s' }, 1000), 5 * 60_000);
  });
});
