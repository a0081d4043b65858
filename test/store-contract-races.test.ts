import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Run, Store } from '../src/store/store.js';
import { T0, applyWorkflow, claimInput, newWorkspace, openStorePair, runInput, type StorePair } from './support/store-fixtures.js';
import { leaseOf } from '../src/store/lease-store.js';
import { testBackends } from './support/test-server.js';
import { assertLimitCountersExact } from './support/limit-counters.js';

/**
 * The Store contract under concurrency: two stores on one database (two connections or
 * pools, as two processes would have) issue the same operations at the same moment.
 * Every test asserts an exact outcome, so a lost lock or a missing guard fails it.
 */
for (const backend of testBackends()) {
  describe(`Store contract races [${backend}]`, () => {
    let pair: StorePair;
    let stores: Store[];
    beforeEach(async () => {
      pair = await openStorePair(backend);
      stores = [pair.store, pair.other];
    });
    afterEach(() => pair.close());
    const on = (i: number) => stores[i % 2]!;

    it('concurrent createRun with one idempotency key creates exactly one run', async () => {
      const ws = await newWorkspace(pair.store, { concurrent: 1 });
      await applyWorkflow(pair.store, ws.id, 'flow');
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => on(i).createRun(runInput(ws.id, 'flow', { idempotencyKey: 'same' }))));
      const created = results.filter((r) => r.kind === 'created');
      assert.equal(created.length, 1);
      const runId = created[0]!.kind === 'created' ? created[0]!.run.id : '';
      for (const r of results) {
        assert.ok(r.kind === 'created' || r.kind === 'replayed', `unexpected ${r.kind}`);
        assert.equal(r.run.id, runId);
      }
      assert.equal((await pair.store.listRuns(ws.id, { page: 1, limit: 100 })).total, 1);
    });

    it('a burst over the concurrent limit creates exactly the limit', async () => {
      const ws = await newWorkspace(pair.store, { concurrent: 5 });
      await applyWorkflow(pair.store, ws.id, 'flow');
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => on(i).createRun(runInput(ws.id, 'flow'))));
      assert.equal(results.filter((r) => r.kind === 'created').length, 5);
      assert.equal(results.filter((r) => r.kind === 'concurrent_limit_exceeded').length, 25);
      assert.equal((await pair.store.listRuns(ws.id, { page: 1, limit: 100 })).total, 5);
      assert.deepEqual(await assertLimitCountersExact(pair.other, ws.id), { activeRuns: 5, runsToday: 5 });
    });

    it('a burst over the daily limit creates exactly the limit', async () => {
      const ws = await newWorkspace(pair.store, { daily: 7 });
      await applyWorkflow(pair.store, ws.id, 'flow');
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => on(i).createRun(runInput(ws.id, 'flow', { idempotencyKey: i % 3 === 0 ? null : `k${i % 10}` }))));
      const created = results.filter((r) => r.kind === 'created').length;
      assert.equal(created, 7);
      assert.equal((await pair.store.listRuns(ws.id, { page: 1, limit: 100 })).total, 7);
      assert.ok(results.every((r) => r.kind === 'created' || r.kind === 'replayed' || r.kind === 'daily_limit_exceeded'));
      assert.deepEqual(await assertLimitCountersExact(pair.store, ws.id), { activeRuns: 7, runsToday: 7 });
    });

    it('cancel racing claim: every run ends up either canceled or claimed, never both', async () => {
      const ws = await newWorkspace(pair.store);
      await applyWorkflow(pair.store, ws.id, 'flow');
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        const r = await pair.store.createRun(runInput(ws.id, 'flow', { now: T0 + i }));
        if (r.kind === 'created') ids.push(r.run.id);
      }
      const claims = Array.from({ length: 8 }, (_, i) => on(i).claimRuns(claimInput(`w${i}`, 5, T0 + 100)));
      const cancels = ids.map((id, i) => on(i + 1).cancelQueuedRun(ws.id, id, T0 + 100));
      const [claimed, canceled] = await Promise.all([Promise.all(claims), Promise.all(cancels)]);
      const claimedIds = new Set(claimed.flat().map((r) => r.id));
      assert.equal(claimedIds.size, claimed.flat().length, 'no run claimed twice');
      for (const [i, result] of canceled.entries()) {
        const id = ids[i]!;
        const final = (await pair.store.getRun(ws.id, id))!;
        if (result.kind === 'canceled') {
          assert.ok(!claimedIds.has(id), `run ${id} canceled and claimed`);
          assert.equal(final.status, 'CANCELED');
        } else {
          assert.equal(result.kind, 'not_cancelable');
          assert.ok(claimedIds.has(id), `run ${id} neither canceled nor claimed`);
          assert.equal(final.status, 'STARTING');
        }
      }
      const canceledCount = canceled.filter((r) => r.kind === 'canceled').length;
      assert.deepEqual(await assertLimitCountersExact(pair.store, ws.id), { activeRuns: 40 - canceledCount, runsToday: 40 });
    });

    it('concurrent claimers share the queue: each run claimed exactly once', async () => {
      const ws = await newWorkspace(pair.store);
      await applyWorkflow(pair.store, ws.id, 'flow');
      for (let i = 0; i < 60; i++) await pair.store.createRun(runInput(ws.id, 'flow', { now: T0 + i }));
      const claimed: Run[] = [];
      await Promise.all(
        Array.from({ length: 6 }, async (_, i) => {
          for (;;) {
            const batch = await on(i).claimRuns(claimInput(`w${i}`, 4, T0 + 100));
            if (batch.length === 0) return;
            claimed.push(...batch);
          }
        }),
      );
      assert.equal(claimed.length, 60);
      assert.equal(new Set(claimed.map((r) => r.id)).size, 60);
      assert.equal(new Set(claimed.map((r) => r.executionId)).size, 60);
    });

    it('an expired lease is taken over by exactly one worker, and the old owner cannot finish', async () => {
      const ws = await newWorkspace(pair.store);
      await applyWorkflow(pair.store, ws.id, 'flow');
      for (let i = 0; i < 10; i++) await pair.store.createRun(runInput(ws.id, 'flow', { now: T0 + i }));
      const first = await pair.store.claimRuns(claimInput('dead', 10, T0, 1000));
      assert.equal(first.length, 10);
      const takeovers = (await Promise.all(Array.from({ length: 6 }, (_, i) => on(i).claimRuns(claimInput(`w${i}`, 3, T0 + 2000, 1000))))).flat();
      const dead = new Map(first.map((run) => [run.id, leaseOf(run)]));
      assert.equal(takeovers.length, 10);
      assert.equal(new Set(takeovers.map((r) => r.id)).size, 10);
      for (const run of takeovers) assert.equal(run.claimCount, 2);
      const finishes = await Promise.all(
        takeovers.flatMap((run) => [
          on(0).finishRun({ lease: dead.get(run.id)!, status: 'COMPLETED', output: 'stale', error: null, now: T0 + 2100 }),
          on(1).finishRun({ lease: leaseOf(run), status: 'COMPLETED', output: 'fresh', error: null, now: T0 + 2100 }),
        ]),
      );
      assert.deepEqual(finishes.filter(Boolean).length, 10, 'only the current owners finish');
      for (const run of takeovers) assert.equal((await pair.store.getRun(ws.id, run.id))?.output, 'fresh');
      assert.deepEqual(await assertLimitCountersExact(pair.store, ws.id), { activeRuns: 0, runsToday: 10 });
    });

    it('concurrent publishes of one workflow number versions without gaps', async () => {
      const ws = await newWorkspace(pair.store);
      await applyWorkflow(pair.store, ws.id, 'flow', { publish: false });
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => on(i).applyWorkflow({
        workspaceId: ws.id, workflowId: 'flow', uuid: 'ignored', publish: true, now: T0 + i,
        fields: { name: 'n', description: '', categories: [], emoji: '', color: '', readme: '' },
        definition: { marker: i },
      })));
      assert.deepEqual(results.map((r) => r.publishedVersion).sort((a, b) => a! - b!), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.equal((await pair.store.getWorkflow(ws.id, 'flow'))?.totalVersions, 10);
    });

    it('concurrent first starts create one default workspace', async () => {
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => on(i).createDefaultWorkspaceIfEmpty(T0)));
      assert.equal(results.filter((r) => r !== null).length, 1);
      assert.equal((await pair.store.listWorkspaces()).length, 1);
    });
  });
}
