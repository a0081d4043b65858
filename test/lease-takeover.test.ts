import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newUuid } from '../src/core/ids.js';
import { createRunExecutor } from '../src/engine/run-executor.js';
import { createWorkerPool } from '../src/engine/worker-pool.js';
import { createChildRuns } from '../src/service/child-runs.js';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

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
    assert.equal(await store.markRunRunning(runId, 'stalled', Date.now()), true);

    // The stalled worker stops heartbeating; a live worker pool claims the run once the lease expires.
    const clock = { now: () => Date.now() };
    const executor = createRunExecutor({ store, clock, stepTypes: t.services.stepTypes, childRuns: createChildRuns({ store, clock, workflows: t.services.workflows }) });
    const pool = createWorkerPool({ store, clock, executor }, { concurrency: 1, leaseMs: 300, pollIntervalMs: 50, shutdownGraceMs: 1000 });
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
    assert.equal(await store.renewLease(runId, 'stalled', Date.now() + 300), false);
    assert.equal(await store.finishRun({ runId, workerId: 'stalled', status: 'FAILED', output: null, error: { code: 'X', message: 'late' }, now: Date.now() }), false);
    assert.equal(
      await store.saveStepAttempt('stalled', { runId, stepId: 'a', attempt: 9, stepType: 'transform', status: 'COMPLETED', input: {}, output: 0, error: null, startedAt: 0, finishedAt: 0, wakeAt: null }),
      false,
    );
    const final = await store.getRun(t.workspaceId, runId);
    assert.equal(final?.status, 'COMPLETED');
    assert.equal(final?.output, 2);
    assert.deepEqual((await store.listStepAttempts(runId)).map((a) => [a.stepId, a.attempt, a.status]), [['a', 1, 'COMPLETED'], ['b', 1, 'COMPLETED']]);
  });
});
