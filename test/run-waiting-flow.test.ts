import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clockWithNow } from '../src/core/clock.js';
import { createRunWaiting } from '../src/service/run-waiting.js';
import type { Run, Store } from '../src/store/store.js';
import { applyWorkflow, newWorkspace, openStorePair, runInput, T0, type StorePair } from './support/store-fixtures.js';
import { testBackends } from './support/test-server.js';

/**
 * The QUEUED reasons that sit on flow control's run columns (migration 016, issue 16's flow
 * half): `scheduled` and `concurrency_key`, and that they come before `no_workers`/`queue`:
 * real rows of a real store with the columns set directly on the record and the key's running
 * count given (test/run-waiting.test.ts observes both on real runs over HTTP).
 */
for (const backend of testBackends()) describe(`waiting reasons on flow control's columns [${backend}]`, () => {
  let pair: StorePair;
  let run: Run;
  let running = 0;
  let waitingOf: (run: Run) => ReturnType<ReturnType<typeof createRunWaiting>['waitingOf']>;
  const now = T0 + 60_000;
  before(async () => {
    pair = await openStorePair(backend);
    const workspace = await newWorkspace(pair.store);
    await applyWorkflow(pair.store, workspace.id, 'w');
    const created = await pair.store.createRun(runInput(workspace.id, 'w'));
    assert.equal(created.kind, 'created');
    run = (created as { run: Run }).run;
    await pair.store.recordWorkerHeartbeat({
      workerId: 'w1', host: 'h', pid: 1, startedAt: T0, lastSeenAt: now, expiresAt: now + 30_000, concurrency: 2, activeRuns: [],
    }, 0);
    const store: Store = { ...pair.store, countRunningWithKey: async () => running };
    ({ waitingOf } = createRunWaiting({ store, clock: clockWithNow(() => now) }));
  });
  after(() => pair.close());

  it('scheduled: not claimable before not_before, until then', async () => {
    const notBefore = now + 30_000;
    const waiting = await waitingOf({ ...run, notBefore } as Run);
    assert.deepEqual(waiting, {
      reason: 'scheduled', since: new Date(run.createdAt).toISOString(), until: new Date(notBefore).toISOString(),
      detail: { not_before: new Date(notBefore).toISOString() },
    });
  });

  it('concurrency_key: the key is at its limit; below it the run is in the queue, waiting since it became claimable', async () => {
    const keyed = { ...run, notBefore: now - 5000, concurrencyKey: 'customer A', concurrencyLimit: 1 } as Run;
    running = 1;
    assert.deepEqual(await waitingOf(keyed), {
      reason: 'concurrency_key', since: new Date(now - 5000).toISOString(), detail: { key: 'customer A', limit: 1, running: 1 },
    });
    running = 0;
    assert.deepEqual(await waitingOf(keyed), { reason: 'queue', since: new Date(now - 5000).toISOString(), detail: { position: 0, workers: 1 } });
  });

  it('a run without flow columns (created before them) is judged by the queue alone', async () => {
    assert.equal((await waitingOf(run))?.reason, 'queue');
  });
});

for (const backend of testBackends()) describe(`queue position and workers registry in the store [${backend}]`, () => {
  let pair: StorePair;
  before(async () => {
    pair = await openStorePair(backend);
  });
  after(() => pair.close());

  it('countQueuedAhead follows claim order and stops at the cap', async () => {
    const workspace = await newWorkspace(pair.store);
    await applyWorkflow(pair.store, workspace.id, 'q');
    // 1,005 runs over a few instants (ties broken by id, as claims do).
    const inputs = Array.from({ length: 1005 }, (_, i) => runInput(workspace.id, 'q', { now: T0 + Math.floor(i / 300) }));
    const results = await pair.store.createRuns(inputs);
    const runs = results.map((r) => (r as { run: Run }).run).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    assert.equal(await pair.store.countQueuedAhead(runs[0]!, T0 + 10, 1000), 0);
    assert.equal(await pair.store.countQueuedAhead(runs[299]!, T0 + 10, 1000), 299);
    assert.equal(await pair.store.countQueuedAhead(runs[300]!, T0 + 10, 1000), 300);
    assert.equal(await pair.store.countQueuedAhead(runs[1004]!, T0 + 10, 1000), 1000);
    // Claimed runs are no longer ahead of anyone.
    const claimed = await pair.store.claimRuns({ workerId: 'w', limit: 10, leaseMs: 30_000, now: T0 + 10, newExecutionId: () => crypto.randomUUID() });
    assert.equal(claimed.length, 10);
    assert.equal(await pair.store.countQueuedAhead(runs[299]!, T0 + 10, 1000), 289);
  });

  it('heartbeats: live until expires_at, removed on a clean stop, long-expired rows deleted by the next heartbeat', async () => {
    const beat = (workerId: string, at: number, activeRuns: { runId: string; workspaceId: number }[] = []) => pair.store.recordWorkerHeartbeat({
      workerId, host: 'h', pid: 7, startedAt: T0, lastSeenAt: at, expiresAt: at + 30_000, concurrency: 4, activeRuns,
    }, at - 86_400_000);
    await beat('a', T0, [{ runId: 'r1', workspaceId: 1 }]);
    await beat('b', T0 + 1000);
    assert.deepEqual((await pair.other.listLiveWorkers(T0 + 5000)).map((w) => [w.workerId, w.activeRuns]), [['a', [{ runId: 'r1', workspaceId: 1 }]], ['b', []]]);
    assert.deepEqual((await pair.other.listLiveWorkers(T0 + 30_500)).map((w) => w.workerId), ['b']);
    assert.equal(await pair.other.lastWorkerSeenAt(), T0 + 1000);
    await pair.store.removeWorker('b');
    assert.deepEqual(await pair.other.listLiveWorkers(T0 + 5000).then((l) => l.map((w) => w.workerId)), ['a']);
    // A day after a's row expired, c's heartbeat deletes it.
    await beat('c', T0 + 30_000 + 86_400_000 + 1);
    assert.deepEqual((await pair.other.listLiveWorkers(0)).map((w) => w.workerId), ['c']);
  });
});
