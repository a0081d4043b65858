import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';
import { leaseOf } from '../src/store/lease-store.js';

const LIFECYCLE = `
id: lifecycle
name: Lifecycle
inputs:
  - { variableName: mode, type: select, options: [ok, fail, wait], required: true }
timeout: 1m
steps:
  - id: pause
    type: delay
    if: "{{ inputs.mode = 'wait' }}"
    with: { duration: 300ms }
  - id: boom
    type: fail
    if: "{{ inputs.mode = 'fail' }}"
    with: { message: "asked to fail" }
  - id: done
    type: transform
    with: { value: { mode: "{{ inputs.mode }}", paused: "{{ steps.pause.status }}" } }
output: "{{ steps.done.output }}"
`;

for (const backend of testBackends()) describe(`run lifecycle (SPEC §4) [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 2 });
    await t.publish(LIFECYCLE);
  });
  after(() => t.close());

  const start = async (mode: string) => (await t.api('POST', '/workflows/lifecycle/runs', { body: { inputs: { mode } } })).body.run_id as string;

  it('moves QUEUED → STARTING → RUNNING → COMPLETED, records each step, and skips steps whose if is false', async () => {
    const runId = await start('ok');
    const run = await t.waitForStatus(runId, ['COMPLETED', 'FAILED']);
    assert.equal(run.status, 'COMPLETED');
    assert.deepEqual(run.output, { mode: 'ok', paused: 'SKIPPED' });
    assert.ok(Date.parse(run.completed_at as string) >= Date.parse(run.created_at as string));
    const attempts = await t.server.store.listStepAttempts(runId);
    assert.deepEqual(
      attempts.map((a) => [a.stepId, a.status, a.attempt]),
      [['pause', 'SKIPPED', 1], ['boom', 'SKIPPED', 1], ['done', 'COMPLETED', 1]],
    );
  });

  it('fails with WORKFLOW_FAILED naming the step', async () => {
    const run = await t.waitForStatus(await start('fail'), ['COMPLETED', 'FAILED']);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.output, null);
    assert.deepEqual(run.error, { code: 'WORKFLOW_FAILED', message: 'Step "boom" failed: asked to fail' });
    assert.ok(run.completed_at);
  });

  it('keeps a waiting run RUNNING without holding a worker slot, then completes it', async () => {
    const runId = await start('wait');
    const running = await t.waitForStatus(runId, ['RUNNING']);
    assert.equal(running.completed_at, null);
    // While it waits, the run is released: no lease owner, no worker slot, due at the wake time.
    const stored = await waitFor(async () => {
      const current = await t.server.store.getRun(t.workspaceId, runId);
      // The pool frees the slot just after the release commits: wait for both.
      return current?.leaseOwner === null && t.server.pool.activeRuns === 0 && current;
    }, { intervalMs: 5, what: 'the waiting run is released and holds no slot' });
    assert.equal(stored.status, 'RUNNING');
    assert.ok(stored.leaseExpiresAt! >= stored.startedAt! + 300);
    const run = await t.waitForStatus(runId, ['COMPLETED', 'FAILED']);
    assert.deepEqual(run.output, { mode: 'wait', paused: 'COMPLETED' });
    const pause = (await t.server.store.listStepAttempts(runId)).find((a) => a.stepId === 'pause')!;
    assert.equal(pause.status, 'COMPLETED');
    assert.ok(pause.finishedAt! - pause.startedAt >= 300);
  });

  it('fails with START_FAILED when the pinned version cannot be found', async () => {
    // A run queued for a workflow whose versions are gone (e.g. a broken import).
    const created = await t.server.store.createRun({
      id: '01900000-0000-7000-8000-000000000001', workspaceId: t.workspaceId, workflowId: 'missing-workflow', inputs: {}, metadata: null,
      idempotencyKey: null, parentRunId: null, ignoreLimits: true, now: Date.now(), dayStart: 0,
    });
    assert.equal(created.kind, 'created');
    const run = await t.waitForStatus('01900000-0000-7000-8000-000000000001', ['COMPLETED', 'FAILED']);
    assert.equal((run.error as { code: string }).code, 'START_FAILED');
  });
});

for (const backend of testBackends()) describe(`whole-run timeout [${backend}]`, () => {
  it('fails a run that exceeds its timeout with TIMEOUT', async () => {
    const t = await startTestServer({ backend, concurrency: 1 });
    await t.publish(`
id: slow
name: Slow
timeout: 200ms
steps:
  - { id: wait, type: delay, with: { duration: 10s } }
  - { id: never, type: transform, with: { value: 1 } }
`);
    const runId = (await t.api('POST', '/workflows/slow/runs', { body: { inputs: {} } })).body.run_id;
    const run = await t.waitForStatus(runId, ['COMPLETED', 'FAILED']);
    assert.equal((run.error as { code: string }).code, 'TIMEOUT');
    await t.close();
  });
});

for (const backend of testBackends()) describe(`leases [${backend}]`, () => {
  it('lets another worker take over a run whose lease expired, and refuses the old worker\'s writes', async () => {
    const t = await startTestServer({ backend, concurrency: 0 });
    await t.publish('id: w\nname: W\nsteps:\n  - { id: a, type: transform, with: { value: 1 } }\n');
    const runId = (await t.api('POST', '/workflows/w/runs', { body: { inputs: {} } })).body.run_id;
    const store = t.server.store;
    const now = Date.now();
    const [first] = await store.claimRuns({ workerId: 'dead', limit: 1, leaseMs: 1000, now, newExecutionId: () => 'e1' });
    assert.equal(first!.id, runId);
    assert.deepEqual(await store.claimRuns({ workerId: 'other', limit: 1, leaseMs: 1000, now: now + 999, newExecutionId: () => 'e2' }), []);
    const [taken] = await store.claimRuns({ workerId: 'other', limit: 1, leaseMs: 1000, now: now + 1000, newExecutionId: () => 'e2' });
    assert.equal(taken!.id, runId);
    assert.equal(taken!.executionId, 'e1', 'a takeover keeps the execution id and the pinned version');
    assert.equal(taken!.claimCount, 2);
    assert.equal(await store.renewLease(leaseOf(first!), now + 5000), false);
    assert.equal(await store.finishRun({ lease: leaseOf(first!), status: 'COMPLETED', output: 1, error: null, now }), false);
    assert.equal(await store.finishRun({ lease: leaseOf(taken!), status: 'COMPLETED', output: 1, error: null, now }), true);
    assert.equal(await store.finishRun({ lease: leaseOf(taken!), status: 'COMPLETED', output: 2, error: null, now }), false, 'never completes twice');
    await t.close();
  });
});
