import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { CreateRunResult, Run, Store } from '../src/store/store.js';
import { DAY_START, T0, applyWorkflow, newWorkspace, openStorePair, runInput, type StorePair } from './support/store-fixtures.js';
import { assertLimitCountersExact } from './support/limit-counters.js';
import { testBackends } from './support/test-server.js';

const DAY = 86_400_000;

const createdRun = (result: CreateRunResult | undefined): Run => {
  assert.equal(result?.kind, 'created');
  return (result as { run: Run }).run;
};

/**
 * What createRun and createRuns answer is built from what they inserted, not read back
 * (issue 10): it must be exactly what the stored row reads as, for every column a create
 * sets, and the run's event log must start with its QUEUED event as seq 1.
 */
for (const backend of testBackends()) {
  describe(`Store contract: created runs as stored [${backend}]`, () => {
    let pair: StorePair;
    let store: Store;
    beforeEach(async () => {
      pair = await openStorePair(backend);
      store = pair.store;
    });
    afterEach(() => pair.close());

    const assertAsStored = async (run: Run) => {
      assert.deepEqual(run, await store.getRun(run.workspaceId, run.id), `run ${run.id} as answered = as stored`);
      const events = await store.listRunEvents(run.id, 0, 10);
      assert.deepEqual(events.map((event) => [event.seq, event.type, JSON.parse(event.data).status]), [[1, 'run.status', 'QUEUED']]);
    };

    it('single creates: plain, with a key, metadata, a trace, flow control, and a child run', async () => {
      const ws = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'flow');
      const trace = { traceId: 'a'.repeat(32), parentSpanId: 'b'.repeat(16), spanId: 'c'.repeat(16), sampled: false };
      const flow = { priority: 30, notBefore: T0 + 5_000, ttlMs: 60_000, concurrency: { key: 'tenant-1', limit: 2 } };
      const parent = createdRun(await store.createRun(runInput(ws.id, 'flow')));
      const runs = [
        parent,
        createdRun(await store.createRun(runInput(ws.id, 'flow', { idempotencyKey: 'k1', metadata: { who: 'me', n: [1, 2] }, trace }))),
        createdRun(await store.createRun(runInput(ws.id, 'flow', { flow, recordedTrigger: { type: 'batch' } }))),
        createdRun(await store.createRun(runInput(ws.id, 'flow', { parentRunId: parent.id, ignoreLimits: true }))),
      ];
      for (const run of runs) await assertAsStored(run);
      assert.equal(runs[3]!.rootRunId, parent.id);
      assert.equal(runs[3]!.depth, 1);
    });

    it('a batch: each created item as stored, replays of keys, limits exact, across a UTC midnight', async () => {
      const ws = await newWorkspace(store, { daily: 6, concurrent: 100 });
      await applyWorkflow(store, ws.id, 'flow');
      const trace = { traceId: 'd'.repeat(32), parentSpanId: null, spanId: 'e'.repeat(16), sampled: true };
      const flow = { priority: 0, notBefore: null, ttlMs: 1_000, concurrency: null };
      const beforeMidnight = DAY_START + DAY - 1;
      const inputs = [
        runInput(ws.id, 'flow', { now: beforeMidnight, idempotencyKey: 'a', metadata: { m: true }, trace, recordedTrigger: { type: 'batch' } }),
        runInput(ws.id, 'flow', { now: beforeMidnight, idempotencyKey: 'a', recordedTrigger: { type: 'batch' } }),
        runInput(ws.id, 'flow', { now: beforeMidnight, flow }),
        runInput(ws.id, 'flow', { now: beforeMidnight }),
        runInput(ws.id, 'flow', { now: beforeMidnight }),
        runInput(ws.id, 'flow', { now: beforeMidnight }),
        runInput(ws.id, 'flow', { now: beforeMidnight }),
        runInput(ws.id, 'flow', { now: beforeMidnight }),
        // The next day: its own daily count.
        runInput(ws.id, 'flow', { now: DAY_START + DAY, dayStart: DAY_START + DAY }),
      ];
      const results = await store.createRuns(inputs);
      assert.deepEqual(results.map((result) => result.kind), [
        'created', 'replayed', 'created', 'created', 'created', 'created', 'created', 'daily_limit_exceeded', 'created',
      ]);
      assert.equal((results[1] as { run: Run }).run.id, inputs[0]!.id);
      for (const result of results) if (result.kind === 'created') await assertAsStored(result.run);
      // Counted from a day's start on: the first day has 6, the next 1.
      assert.deepEqual(await assertLimitCountersExact(store, ws.id, DAY_START), { activeRuns: 7, runsToday: 7 });
      assert.deepEqual(await assertLimitCountersExact(store, ws.id, DAY_START + DAY), { activeRuns: 7, runsToday: 1 });
      // A later batch replays the key from the stored run.
      const again = await store.createRuns([runInput(ws.id, 'flow', { now: DAY_START + DAY, dayStart: DAY_START + DAY, idempotencyKey: 'a' })]);
      assert.equal(again[0]?.kind, 'replayed');
      assert.deepEqual((again[0] as { run: Run }).run, await store.getRun(ws.id, inputs[0]!.id));
    });

    it('a batch of 263 items (SQLite writes it in statements of 200, 50, 10 and 1 rows): every row as stored, flow keys listed', async () => {
      const ws = await newWorkspace(store, { daily: 1_000, concurrent: 1_000 });
      await applyWorkflow(store, ws.id, 'flow');
      const inputs = Array.from({ length: 263 }, (_, i) => runInput(ws.id, 'flow', {
        inputs: { n: i }, metadata: i % 3 === 0 ? { i } : null, idempotencyKey: i % 5 === 0 ? `key-${i}` : null, recordedTrigger: { type: 'batch' },
        ...(i % 2 === 0 ? { flow: { priority: i % 60, notBefore: T0 + i, ttlMs: 60_000 + i, concurrency: { key: `k${i % 7}`, limit: 2 } } } : {}),
      }));
      const results = await store.createRuns(inputs);
      assert.deepEqual(results.map((result) => createdRun(result).id), inputs.map((input) => input.id), 'in request order');
      for (const result of results) await assertAsStored(createdRun(result));
      assert.deepEqual(await assertLimitCountersExact(store, ws.id, DAY_START), { activeRuns: 263, runsToday: 263 });
      assert.deepEqual((await store.listConcurrencyKeys(ws.id)).map((key) => [key.key, key.queued, key.limit]).sort(),
        Array.from({ length: 7 }, (_, k) => [`k${k}`, true, 2]));
    });
  });
}
