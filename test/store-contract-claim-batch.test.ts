import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Run } from '../src/store/store.js';
import { T0, applyWorkflow, claimInput, newWorkspace, openStorePair, runInput, type StorePair } from './support/store-fixtures.js';
import { testBackends } from './support/test-server.js';

/**
 * One claim of many runs (SQLite claims all of a plan's QUEUED runs with one UPDATE and writes
 * their STARTING events with one INSERT): the runs come back in queue order, each with its own
 * execution id and claim token, each with exactly its QUEUED and STARTING events, and two
 * stores claiming at once (two processes) never take one run twice.
 */
for (const backend of testBackends()) {
  describe(`Store contract: a claim of many runs [${backend}]`, () => {
    let pair: StorePair;
    beforeEach(async () => {
      pair = await openStorePair(backend);
    });
    afterEach(() => pair.close());

    it('answers in queue order, one execution id and token per run, events numbered per run', async () => {
      const ws = await newWorkspace(pair.store);
      await applyWorkflow(pair.store, ws.id, 'flow');
      const created: Run[] = [];
      for (let i = 0; i < 30; i++) {
        // Later runs with more priority come first: the queue order is not the creation order.
        const result = await pair.store.createRun(runInput(ws.id, 'flow', { now: T0 + i * 1000, flow: { priority: (i % 3) * 10, notBefore: null, ttlMs: null, concurrency: null } }));
        assert.equal(result.kind, 'created');
        if (result.kind === 'created') created.push(result.run);
      }
      let n = 0;
      const claimed = await pair.store.claimRuns({ ...claimInput('w1', 25, T0 + 60_000), newExecutionId: () => `exec-${++n}` });
      const expected = [...created].sort((x, y) => x.queueAt - y.queueAt || (x.id < y.id ? -1 : 1)).slice(0, 25).map((run) => run.id);
      assert.deepEqual(claimed.map((run) => run.id), expected);
      assert.equal(new Set(claimed.map((run) => run.executionId)).size, 25);
      assert.equal(new Set(claimed.map((run) => run.claimToken)).size, 25);
      for (const run of claimed) {
        assert.deepEqual([run.status, run.leaseOwner, run.workflowVersion, run.claimCount, run.startedAt], ['STARTING', 'w1', 1, 1, T0 + 60_000]);
        assert.deepEqual(run, await pair.store.getRun(ws.id, run.id), 'answered as stored');
        const events = await pair.store.listRunEvents(run.id, 0, 10);
        assert.deepEqual(events.map((event) => [event.seq, JSON.parse(event.data).status]), [[1, 'QUEUED'], [2, 'STARTING']]);
      }
    });

    it('two stores claiming at once take every run once', async () => {
      const ws = await newWorkspace(pair.store);
      await applyWorkflow(pair.store, ws.id, 'flow');
      const ids = new Set<string>();
      for (let i = 0; i < 60; i++) {
        const keyed = i % 3 === 0 ? { concurrency: { key: `k${i % 4}`, limit: 50 } } : { concurrency: null };
        const result = await pair.store.createRun(runInput(ws.id, 'flow', { now: T0 + i, flow: { priority: 0, notBefore: null, ttlMs: null, ...keyed } }));
        if (result.kind === 'created') ids.add(result.run.id);
      }
      const seen: string[] = [];
      for (let round = 0; round < 10 && seen.length < ids.size; round++) {
        const batches = await Promise.all([pair.store, pair.other, pair.store, pair.other].map((store, w) => store.claimRuns(claimInput(`w${w}`, 7, T0 + 1000))));
        for (const batch of batches) seen.push(...batch.map((run) => run.id));
      }
      assert.equal(seen.length, ids.size, 'every run claimed');
      assert.equal(new Set(seen).size, seen.length, 'no run claimed twice');
    });
  });
}
