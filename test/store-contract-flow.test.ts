import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { NewRun, Run, Store } from '../src/store/store.js';
import type { RunFlow } from '../src/store/flow-rows.js';
import { applyWorkflow, claimInput, newWorkspace, openStorePair, runInput, T0, type StorePair } from './support/store-fixtures.js';
import { testBackends } from './support/test-server.js';

/** The store's side of flow control (SPEC §12): claims by key, priority, not_before, ttl and fairness. */
for (const backend of testBackends()) {
  describe(`Store contract: flow control claims [${backend}]`, () => {
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

    const flow = (extra: Partial<RunFlow>): RunFlow => ({ priority: 0, notBefore: null, ttlMs: null, concurrency: null, ...extra });
    async function queue(extra: Partial<NewRun>): Promise<Run> {
      const result = await store.createRun(runInput(workspaceId, 'wf', extra));
      assert.equal(result.kind, 'created', JSON.stringify(result));
      return (result as { run: Run }).run;
    }

    it('stores the flow columns of a created run', async () => {
      const run = await queue({ flow: flow({ priority: 60, notBefore: T0 + 5000, ttlMs: 1000, concurrency: { key: 'A', limit: 2 } }) });
      const stored = (await store.getRun(workspaceId, run.id))!;
      assert.deepEqual([stored.priority, stored.notBefore, stored.queueAt, stored.expiresAt, stored.concurrencyKey, stored.concurrencyLimit],
        [60, T0 + 5000, T0 + 5000 - 60_000, T0 + 6000, 'A', 2]);
    });

    it('claims at most limit runs per key, across two stores at once, while another key flows', async () => {
      const a = flow({ concurrency: { key: 'A', limit: 2 } });
      const b = flow({ concurrency: { key: 'B', limit: 1 } });
      for (let i = 0; i < 5; i++) await queue({ flow: a, now: T0 + i });
      for (let i = 0; i < 3; i++) await queue({ flow: b, now: T0 + 10 + i });
      const [one, two] = await Promise.all([store.claimRuns(claimInput('w1', 10, T0 + 100)), pair.other.claimRuns(claimInput('w2', 10, T0 + 100))]);
      const claimed = [...one, ...two];
      assert.equal(claimed.filter((run) => run.concurrencyKey === 'A').length, 2);
      assert.equal(claimed.filter((run) => run.concurrencyKey === 'B').length, 1);
      // The oldest of each key went first; nothing more while they run.
      assert.deepEqual((await store.claimRuns(claimInput('w3', 10, T0 + 200))).length, 0);
    });

    it('orders by priority credit within the workspace, and leaves not_before and expired runs alone', async () => {
      const old = await queue({ now: T0 });
      const urgent = await queue({ now: T0 + 30_000, flow: flow({ priority: 60 }) });
      await queue({ now: T0 + 1000, flow: flow({ notBefore: T0 + 120_000 }) });
      await queue({ now: T0 + 1000, flow: flow({ ttlMs: 1000 }) });
      const first = await store.claimRuns(claimInput('w1', 1, T0 + 40_000, 3_600_000));
      assert.deepEqual(first.map((run) => run.id), [urgent.id]);
      const next = await store.claimRuns(claimInput('w1', 10, T0 + 40_000, 3_600_000));
      assert.deepEqual(next.map((run) => run.id), [old.id]);
      // (A lease long enough that the runs claimed above do not come back as expired leases.)
      assert.equal((await store.claimRuns(claimInput('w1', 10, T0 + 119_000, 3_600_000))).length, 0);
      assert.equal((await store.claimRuns(claimInput('w1', 10, T0 + 120_000, 3_600_000))).length, 1);
    });

    it('expires a queued run whose ttl passed: CANCELED, cancel_reason expired, with its event; a claimed one is left alone', async () => {
      const expiring = await queue({ now: T0, flow: flow({ ttlMs: 1000 }) });
      const claimedFirst = await queue({ now: T0 + 1, flow: flow({ ttlMs: 1000 }) });
      const [claimed] = await store.claimRuns(claimInput('w1', 1, T0 + 500, 3_600_000));
      assert.equal(claimed?.id, expiring.id);
      assert.equal(await store.expireQueuedRuns(T0 + 999, 100), 0, 'not yet');
      assert.equal(await store.expireQueuedRuns(T0 + 1001, 100), 1);
      const ended = (await store.getRun(workspaceId, claimedFirst.id))!;
      assert.deepEqual([ended.status, ended.cancelReason, ended.completedAt], ['CANCELED', 'expired', T0 + 1001]);
      const events = await store.listRunEvents(claimedFirst.id, 0, 10);
      assert.deepEqual(events.map((event) => (JSON.parse(event.data) as { status?: string }).status), ['QUEUED', 'CANCELED']);
      assert.equal((await store.getRun(workspaceId, expiring.id))?.status, 'STARTING');
      assert.equal((await store.claimRuns(claimInput('w2', 5, T0 + 1002, 3_600_000))).length, 0);
    });

    it('is fair across workspaces: a single run of B is claimed before A\'s older backlog', async () => {
      for (let i = 0; i < 20; i++) await queue({ now: T0 + i });
      const other = (await newWorkspace(store)).id;
      await applyWorkflow(store, other, 'wf');
      const created = await store.createRun(runInput(other, 'wf', { now: T0 + 1000 }));
      assert.equal(created.kind, 'created');
      const claims: Run[] = [];
      for (let i = 0; i < 2; i++) claims.push(...await store.claimRuns(claimInput('w1', 1, T0 + 2000)));
      assert.ok(claims.some((run) => run.workspaceId === other), 'B was claimed within two single-slot claims');
    });
  });
}
