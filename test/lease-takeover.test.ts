import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { systemClock } from '../src/core/clock.js';
import { newUuid } from '../src/core/ids.js';
import { createRunExecutor } from '../src/engine/run-executor.js';
import { createWorkerPool, workerPoolDepsOf } from '../src/engine/worker-pool.js';
import { createChildRuns } from '../src/service/child-runs.js';
import { defineStepType, type StepType } from '../src/steps/step-type.js';
import { leaseOf } from '../src/store/lease-store.js';
import type { Store } from '../src/store/store.js';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

/** A worker pool on `store` with its own executor, as src/server.ts wires one. */
function poolOn(t: TestServer, store: Store, options: { leaseMs: number; pollIntervalMs: number; concurrency?: number }) {
  const clock = systemClock;
  const executor = createRunExecutor({ store, clock, stepTypes: t.services.stepTypes, childRuns: createChildRuns({ store, clock, workflows: t.services.workflows }) });
  return createWorkerPool(workerPoolDepsOf(store, clock, executor), { concurrency: 1, shutdownGraceMs: 1000, ...options });
}

for (const backend of testBackends()) describe(`leases: a stalled worker's run is taken over, and the stalled worker can no longer write [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    // No worker slots at first: the "stalled" worker below claims the run by hand.
    t = await startTestServer({ backend, concurrency: 0, env: { SLIPWAY_LEASE_TIMEOUT: '300ms' } });
    await t.publish(`
id: two-steps
name: Two steps
steps:
  - { id: a, type: transform, with: { value: 1 } }
  - { id: b, type: transform, with: { value: "{{ steps.a.output + 1 }}" } }
`);
  });
  after(() => t.close());

  it('completes the run once, with the stalled worker\'s writes refused', async () => {
    const created = await t.api('POST', '/workflows/two-steps/runs', { body: { inputs: {} } });
    const runId = created.body.run_id as string;
    const store = t.server.store;
    const [claimed] = await store.claimRuns({ workerId: 'stalled', limit: 1, leaseMs: 300, now: Date.now(), newExecutionId: newUuid });
    assert.equal(claimed?.id, runId);
    const stalled = leaseOf(claimed!);
    assert.equal(await store.markRunRunning(stalled, Date.now()), true);

    // The stalled worker stops heartbeating; a live worker pool claims the run once the lease expires.
    const pool = poolOn(t, store, { leaseMs: 300, pollIntervalMs: 50 });
    pool.start();
    try {
      const run = await t.waitForStatus(runId, ['COMPLETED', 'FAILED']);
      assert.equal(run.status, 'COMPLETED');
      assert.equal(run.output, 2);
    } finally {
      await pool.stop();
    }

    const taken = await store.getRun(t.workspaceId, runId);
    assert.equal(taken?.claimCount, 2);
    // The stalled worker wakes up: every write it tries is refused.
    assert.equal(await store.renewLease(stalled, Date.now() + 300), false);
    assert.equal(await store.finishRun({ lease: stalled, status: 'FAILED', output: null, error: { code: 'X', message: 'late' }, now: Date.now() }), false);
    assert.equal(
      await store.saveStepAttempt(stalled, { runId, stepId: 'a', attempt: 9, stepType: 'transform', status: 'COMPLETED', input: {}, output: 0, error: null, startedAt: 0, finishedAt: 0, wakeAt: null }),
      false,
    );
    const final = await store.getRun(t.workspaceId, runId);
    assert.equal(final?.status, 'COMPLETED');
    assert.equal(final?.output, 2);
    assert.deepEqual((await store.listStepAttempts(runId)).map((a) => [a.stepId, a.attempt, a.status]), [['a', 1, 'COMPLETED'], ['b', 1, 'COMPLETED']]);
  });
});

/** Step executions per step id, for the stall test below. */
const executions = new Map<string, number>();
const countStep = defineStepType({
  type: 'count',
  description: 'Counts its executions and takes a moment, so two executors would overlap.',
  input: Type.Object({}, { additionalProperties: false }),
  idempotent: true,
  async run(_input, ctx) {
    executions.set(ctx.stepId, (executions.get(ctx.stepId) ?? 0) + 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { kind: 'completed', output: ctx.stepId };
  },
});
const STALL_MS = 3000;
const stallStep = defineStepType({
  type: 'stall',
  description: 'Blocks the event loop (the whole process) for longer than the lease, once.',
  input: Type.Object({}, { additionalProperties: false }),
  idempotent: true,
  async run(_input, ctx) {
    const first = !executions.has(ctx.stepId);
    executions.set(ctx.stepId, (executions.get(ctx.stepId) ?? 0) + 1);
    const until = Date.now() + (first ? STALL_MS : 0);
    while (Date.now() < until) {
      // busy: no timer, no I/O, no heartbeat runs meanwhile
    }
    return { kind: 'completed', output: 'stalled' };
  },
});

for (const backend of testBackends()) describe(`leases: an event-loop stall longer than the lease does not run a run twice in one process [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 0, extraStepTypes: [countStep, stallStep] as StepType[] });
    await t.publish(`
id: stalls
name: Stalls
steps:
  - { id: a, type: count }
  - { id: s, type: stall }
  - { id: b, type: count }
`);
  });
  after(() => t.close());

  it('the worker does not claim its own run again: every step runs once, no RUNNING attempt is left', async () => {
    executions.clear();
    // The lease (900 ms) is far shorter than the stall; the claim loop has a free slot and
    // polls every 10 ms, so right after the stall it looks for work before the lease keeper renews.
    const pool = poolOn(t, t.server.store, { leaseMs: 900, pollIntervalMs: 10, concurrency: 2 });
    pool.start();
    try {
      const created = await t.api('POST', '/workflows/stalls/runs', { body: { inputs: {} } });
      const run = await t.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED'], undefined, 30_000);
      assert.equal(run.status, 'COMPLETED');
      // Let a second executor, if there were one, get as far as its writes.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(Object.fromEntries(executions), { a: 1, s: 1, b: 1 });
      const attempts = await t.server.store.listStepAttempts(created.body.run_id);
      assert.deepEqual(attempts.map((a) => [a.stepId, a.attempt, a.status]), [['a', 1, 'COMPLETED'], ['s', 1, 'COMPLETED'], ['b', 1, 'COMPLETED']]);
      assert.equal((await t.server.store.getRun(t.workspaceId, created.body.run_id))?.claimCount, 1);
    } finally {
      await pool.stop();
    }
  });
});
