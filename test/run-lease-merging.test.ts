import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../src/core/clock.js';
import { createRunLease, type LeaseWrites } from '../src/engine/run-lease.js';
import type { FinishRunInput, RunProgress } from '../src/store/lease-store.js';
import type { StepAttempt } from '../src/store/store.js';

/** Lease writes that record what reaches the store, in order (every write accepted). */
function recordingWrites() {
  const writes: string[] = [];
  const describe = (progress: RunProgress | undefined) =>
    [progress?.startRunAt != null ? 'start' : null, ...(progress?.attempts ?? []).map((a) => `${a.stepId}:${a.status}`)].filter(Boolean).join('+');
  const store: LeaseWrites = {
    renewLease: async () => true,
    markRunRunning: async () => true,
    releaseRun: async () => true,
    saveStepAttempt: async () => true,
    saveProgress: async (_lease, progress) => {
      writes.push(`progress(${describe(progress)})`);
      return true;
    },
    finishRun: async (input: FinishRunInput) => {
      writes.push(`finish(${describe(input.progress)})`);
      return true;
    },
    appendStepDelta: async () => {
      writes.push('delta');
      return true;
    },
  };
  return { store, writes };
}

const attempt = (stepId: string): StepAttempt => ({
  runId: 'r1', stepId, attempt: 1, stepType: 'transform', status: 'RUNNING', input: {}, output: null, error: null, startedAt: 1, finishedAt: null, wakeAt: null,
});

describe('run lease: merged writes (issue 10)', () => {
  it('a RUNNING attempt queued to run after (an idempotent step) goes with its COMPLETED and the finish: one write for the run', async () => {
    const { store, writes } = recordingWrites();
    const lease = createRunLease({ writes: store, clock: systemClock, leaseMs: 30_000 }, { runId: 'r1', workerId: 'w', claimToken: 't' });
    assert.equal(await lease.markRunning(), true);
    const a = attempt('a');
    assert.equal(await lease.saveAttempt(a, { runAfter: 'queued' }), true);
    assert.deepEqual(writes, [], 'nothing written before the step runs');
    // The step runner goes on with the same object: the queued RUNNING must stay RUNNING.
    Object.assign(a, { status: 'COMPLETED', output: 1, finishedAt: 2 });
    assert.equal(await lease.saveAttempt(a), true);
    assert.equal(await lease.finish('COMPLETED', 1, null), true);
    assert.deepEqual(writes, ['finish(start+a:RUNNING+a:COMPLETED)']);
  });

  it('a RUNNING attempt to be written first (a step with side effects) is written before saveAttempt resolves, with the pending start', async () => {
    const { store, writes } = recordingWrites();
    const lease = createRunLease({ writes: store, clock: systemClock, leaseMs: 30_000 }, { runId: 'r1', workerId: 'w', claimToken: 't' });
    await lease.markRunning();
    assert.equal(await lease.saveAttempt(attempt('http'), { runAfter: 'written' }), true);
    assert.deepEqual(writes, ['progress(start+http:RUNNING)']);
  });

  it('a queued start is written on its own right after the event-loop turn when nothing else comes', async () => {
    const { store, writes } = recordingWrites();
    const lease = createRunLease({ writes: store, clock: systemClock, leaseMs: 30_000 }, { runId: 'r1', workerId: 'w', claimToken: 't' });
    await lease.markRunning();
    await lease.saveAttempt(attempt('slow'), { runAfter: 'queued' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(writes, ['progress(start+slow:RUNNING)']);
  });

  it('a delta waits for its attempt\'s queued RUNNING to be written', async () => {
    const { store, writes } = recordingWrites();
    const lease = createRunLease({ writes: store, clock: systemClock, leaseMs: 30_000 }, { runId: 'r1', workerId: 'w', claimToken: 't' });
    await lease.markRunning();
    await lease.saveAttempt(attempt('llm'), { runAfter: 'queued' });
    assert.equal(await lease.appendDelta('llm', 1, 'hi'), true);
    assert.deepEqual(writes, ['progress(start+llm:RUNNING)', 'delta']);
  });
});
