import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { NewRun, Run, Store } from '../src/store/store.js';
import type { RunFlow } from '../src/store/flow-rows.js';
import { leaseOf } from '../src/store/lease-store.js';
import { applyWorkflow, claimInput, newWorkspace, openStorePair, runInput, T0, type StorePair } from './support/store-fixtures.js';
import { testBackends } from './support/test-server.js';

/**
 * Concurrency keys' rows (migration 020): the active counter kept by triggers, the limit, and
 * the deletion of idle keys, also when a create, a claim and a finish of the key meet.
 */
for (const backend of testBackends()) {
  describe(`Store contract: concurrency key rows [${backend}]`, () => {
    let pair: StorePair;
    let store: Store;
    let workspaceId: number;
    beforeEach(async () => {
      pair = await openStorePair(backend);
      store = pair.store;
      workspaceId = (await newWorkspace(store)).id;
      await applyWorkflow(store, workspaceId, 'wf');
    });
    afterEach(() => pair.close());

    const keyed = (key: string, limit: number): RunFlow => ({ priority: 0, notBefore: null, ttlMs: null, concurrency: { key, limit } });
    async function queue(extra: Partial<NewRun>, on: Store = store): Promise<Run> {
      const result = await on.createRun(runInput(workspaceId, 'wf', extra));
      assert.equal(result.kind, 'created', JSON.stringify(result));
      return (result as { run: Run }).run;
    }
    const finish = (run: Run, on: Store = store, now = T0 + 10_000) => on.finishRun({ lease: leaseOf(run), status: 'COMPLETED', output: 1, error: null, now });
    const keys = () => store.listConcurrencyKeys(workspaceId);

    it('counts active runs per key, holds a key at its limit, and deletes the row once the key is idle', async () => {
      for (let i = 0; i < 3; i++) await queue({ flow: keyed('A', 2), now: T0 + i });
      await queue({ flow: keyed('B', 1), now: T0 + 10 });
      const first = await store.claimRuns(claimInput('w1', 10, T0 + 100, 3_600_000));
      assert.deepEqual(first.map((run) => run.concurrencyKey).sort(), ['A', 'A', 'B']);
      assert.deepEqual(await keys(), [
        { workflowId: 'wf', key: 'A', active: 2, queued: true, limit: 2 },
        { workflowId: 'wf', key: 'B', active: 1, queued: false, limit: 1 },
      ]);
      assert.equal((await store.claimRuns(claimInput('w2', 10, T0 + 200, 3_600_000))).length, 0, 'A is held, B has nothing queued');
      const [a1, a2] = first.filter((run) => run.concurrencyKey === 'A');
      // B's only run ends: B is idle, its row goes in the same transaction.
      await finish(first.find((run) => run.concurrencyKey === 'B')!);
      assert.deepEqual((await keys()).map((k) => [k.key, k.active]), [['A', 2]]);
      await finish(a1!);
      assert.deepEqual((await keys()).map((k) => [k.key, k.active]), [['A', 1]]);
      const [a3] = await store.claimRuns(claimInput('w3', 10, T0 + 300, 3_600_000));
      assert.equal(a3?.concurrencyKey, 'A');
      assert.deepEqual(await keys(), [{ workflowId: 'wf', key: 'A', active: 2, queued: false, limit: 2 }]);
      await finish(a2!);
      await finish(a3!);
      assert.deepEqual(await keys(), []);
      // A key used again gets a fresh row, and its runs flow.
      await queue({ flow: keyed('B', 3), now: T0 + 400 });
      assert.deepEqual(await keys(), [{ workflowId: 'wf', key: 'B', active: 0, queued: true, limit: 3 }]);
      assert.equal((await store.claimRuns(claimInput('w4', 10, T0 + 500))).length, 1);
    });

    it('deletes a key whose queued runs were canceled once a claim finds it empty', async () => {
      const run = await queue({ flow: keyed('C', 1), now: T0 });
      assert.equal((await store.cancelQueuedRun(workspaceId, run.id, T0 + 1)).kind, 'canceled');
      assert.equal((await keys()).length, 1, 'the head is a lower bound until a claim looks');
      assert.equal((await store.claimRuns(claimInput('w1', 5, T0 + 2))).length, 0);
      assert.deepEqual(await keys(), []);
    });

    it('never strands or overshoots a key when a finish that empties it races creates and claims on another store', async () => {
      for (let round = 0; round < 12; round++) {
        const now = T0 + round * 1000;
        await queue({ flow: keyed('R', 1), now });
        const [held] = await store.claimRuns(claimInput(`a${round}`, 5, now + 1, 3_600_000));
        assert.ok(held, `round ${round}: claimed`);
        // The finish deletes the idle row while the other store creates the next run of the key and claims.
        const [, created] = await Promise.all([
          finish(held, store, now + 2),
          queue({ flow: keyed('R', 1), now: now + 2 }, pair.other),
          pair.other.claimRuns(claimInput(`b${round}`, 5, now + 2, 3_600_000)),
        ]);
        const claimedLater = await store.claimRuns(claimInput(`c${round}`, 5, now + 3, 3_600_000));
        const next = (await store.getRun(workspaceId, created.id))!;
        assert.ok(next.status === 'STARTING', `round ${round}: the new run was claimed (${next.status}, later claim got ${claimedLater.length})`);
        const active = (await keys()).find((k) => k.key === 'R');
        assert.equal(active?.active, 1, `round ${round}: exactly one active run counted: ${JSON.stringify(await keys())}`);
        await finish(next, store, now + 4);
        assert.deepEqual(await keys(), [], `round ${round}: idle again`);
      }
    });
  });
}
