import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { newUuid } from '../src/core/ids.js';
import type { CreateRunResult, Run, Schedule, Store } from '../src/store/store.js';
import { leaseOf } from '../src/store/lease-store.js';
import { DAY_START, T0, applyWorkflow, claimInput, newWorkspace, openStorePair, runInput, type StorePair } from './support/store-fixtures.js';
import { assertLimitCountersExact } from './support/limit-counters.js';
import { freshDatabase, testBackends } from './support/test-server.js';
import { parseDatabaseUrl } from '../src/config/config.js';
import { openStore } from '../src/server.js';
import Database from 'better-sqlite3';
import pg from 'pg';

const DAY = 86_400_000;
const createdRun = (result: CreateRunResult): Run => {
  assert.equal(result.kind, 'created');
  return (result as { run: Run }).run;
};

/** Drops what migration 018 made and forgets it was applied. */
async function undoCounterMigration(databaseUrl: string): Promise<void> {
  const undo = [
    'DROP TABLE workspace_active_runs', 'DROP TABLE workspace_daily_runs',
    "DELETE FROM schema_migrations WHERE name = '018_limit_counters.sql'",
  ];
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new Database(databaseUrl.slice('sqlite:'.length));
    for (const name of ['runs_count_created', 'runs_count_left_active', 'runs_count_entered_active', 'runs_count_deleted_active']) db.exec(`DROP TRIGGER ${name}`);
    for (const sql of undo) db.exec(sql);
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('DROP FUNCTION slipway_count_runs_created, slipway_count_run_active_change CASCADE');
  for (const sql of undo) await client.query(sql);
  await client.end();
}

/**
 * The limit counters of migration 018 (issue 10): kept by triggers in the transaction of every
 * insert and status change of a run, read by createRun instead of counting rows. Each test
 * checks them against count(*) after the operations, on every backend.
 */
for (const backend of testBackends()) {
  describe(`Store contract: limit counters [${backend}]`, () => {
    let pair: StorePair;
    let store: Store;
    beforeEach(async () => {
      pair = await openStorePair(backend);
      store = pair.store;
    });
    afterEach(() => pair.close());

    it('follow every path that creates a run or moves it into or out of the counted set', async () => {
      const ws = await newWorkspace(store, { daily: 1000, concurrent: 1000 });
      await applyWorkflow(store, ws.id, 'flow');
      // Yesterday's runs count toward yesterday only.
      createdRun(await store.createRun(runInput(ws.id, 'flow', { now: T0 - DAY, dayStart: DAY_START - DAY })));
      assert.deepEqual(await assertLimitCountersExact(store, ws.id, DAY_START - DAY), { activeRuns: 1, runsToday: 1 });
      assert.deepEqual(await assertLimitCountersExact(store, ws.id), { activeRuns: 1, runsToday: 0 });

      const roots = [];
      for (let i = 0; i < 6; i++) roots.push(createdRun(await store.createRun(runInput(ws.id, 'flow', { now: T0 + i }))));
      const batch = await store.createRuns(Array.from({ length: 5 }, (_, i) => runInput(ws.id, 'flow', { now: T0 + 10, idempotencyKey: `b${i % 4}` })));
      assert.deepEqual(batch.map((r) => r.kind), ['created', 'created', 'created', 'created', 'replayed']);
      assert.deepEqual(await assertLimitCountersExact(store, ws.id), { activeRuns: 11, runsToday: 10 });

      // Claim (QUEUED → STARTING) and start (→ RUNNING) stay inside the counted set.
      const claimed = await store.claimRuns(claimInput('w1', 3, T0 + 20));
      assert.equal(claimed.length, 3);
      for (const run of claimed) assert.equal(await store.markRunRunning(leaseOf(run), T0 + 21), true);
      // Child runs count toward neither limit.
      const child = createdRun(await store.createRun(runInput(ws.id, 'flow', { now: T0 + 22, parentRunId: claimed[0]!.id, ignoreLimits: true })));
      assert.deepEqual(await assertLimitCountersExact(store, ws.id), { activeRuns: 11, runsToday: 10 });

      // Finish, completed and failed.
      assert.equal(await store.finishRun({ lease: leaseOf(claimed[0]!), status: 'COMPLETED', output: 1, error: null, now: T0 + 30 }), true);
      assert.equal(await store.finishRun({ lease: leaseOf(claimed[1]!), status: 'FAILED', output: null, error: { code: 'WORKFLOW_FAILED', message: 'x' }, now: T0 + 30 }), true);
      assert.equal(await store.finishRun({ lease: leaseOf(claimed[1]!), status: 'COMPLETED', output: 1, error: null, now: T0 + 31 }), false, 'finished once');
      assert.deepEqual(await assertLimitCountersExact(store, ws.id), { activeRuns: 9, runsToday: 10 });

      // Cancel, bulk cancel (a run canceled twice counts once), abort of a queued and of a waiting run.
      const queued = (await store.listRuns(ws.id, { status: 'QUEUED', page: 1, limit: 100 })).items.filter((r) => r.parentRunId === null && r.createdAt >= DAY_START);
      assert.equal((await store.cancelQueuedRun(ws.id, queued[0]!.id, T0 + 40)).kind, 'canceled');
      assert.equal((await store.cancelQueuedRun(ws.id, queued[0]!.id, T0 + 40)).kind, 'not_cancelable');
      assert.deepEqual(await store.cancelQueuedRuns(ws.id, [queued[0]!.id, queued[1]!.id, queued[2]!.id], T0 + 41), [queued[1]!.id, queued[2]!.id]);
      assert.equal((await store.abortRun({ workspaceId: ws.id, runId: queued[3]!.id, by: 't', now: T0 + 42 })).kind, 'canceled');
      const waiting = claimed[2]!;
      assert.equal(await store.releaseRun(leaseOf(waiting), T0 + 10_000, T0 + 43), true);
      assert.equal((await store.abortRun({ workspaceId: ws.id, runId: waiting.id, by: 't', now: T0 + 44 })).kind, 'aborted');
      assert.deepEqual(await assertLimitCountersExact(store, ws.id), { activeRuns: 4, runsToday: 10 });

      // An abort requested of a held run, ended by endOverdueAborts; the child is not counted either way.
      const [held] = await store.claimRuns(claimInput('w2', 1, T0 + 50));
      assert.equal(held?.parentRunId, null, 'the oldest queued run is a root run, not the child');
      assert.equal((await store.abortRun({ workspaceId: ws.id, runId: held.id, by: 't', now: T0 + 51 })).kind, 'abort_requested');
      assert.deepEqual(await assertLimitCountersExact(store, ws.id), { activeRuns: 4, runsToday: 10 });
      assert.ok(await store.endOverdueAborts(T0 + 100_000, 0) >= 1);
      assert.equal((await store.getRun(ws.id, held.id))?.status, 'FAILED');
      assert.equal((await store.getRun(ws.id, child.id))?.status, 'QUEUED');
      assert.deepEqual(await assertLimitCountersExact(store, ws.id), { activeRuns: 3, runsToday: 10 });

      // Replay and a schedule fire create root runs like createRun.
      const replay = await store.createReplayRun({
        ...runInput(ws.id, 'flow', { now: T0 + 60 }),
        trigger: { type: 'replay', run_id: roots[0]!.id, from_step: null }, workflowVersion: 1, sourceRunId: roots[0]!.id, reuseStepIds: [],
      });
      createdRun(replay);
      const s: Schedule = {
        id: newUuid(), workspaceId: ws.id, workflowId: 'flow', definitionId: null, source: 'api', cron: '0 * * * *', timezone: 'UTC',
        inputs: {}, metadata: null, overlap: 'allow', catchup: 'none', paused: false, nextFireAt: T0, lastFireAt: null, createdAt: T0, updatedAt: T0,
      };
      await store.createSchedule(s);
      const fire = await store.recordScheduleFire({
        scheduleId: s.id, workspaceId: ws.id, fireAt: T0 + 70, now: T0 + 70, overlap: 'allow', overlapsLaterFire: false,
        attempt: { kind: 'create', run: runInput(ws.id, 'flow', { now: T0 + 70 }) },
      });
      assert.equal(fire.kind, 'recorded');
      const end = await assertLimitCountersExact(store, ws.id);
      assert.deepEqual(end, { activeRuns: 5, runsToday: 12 });
      // The other connection (another process) reads the same counters.
      assert.deepEqual(await assertLimitCountersExact(pair.other, ws.id), end);
    });

    it('a workspace with a large backlog keeps both limits exact under bursts from two processes', async (t) => {
      const backlog = 6000;
      const ws = await newWorkspace(store, { daily: backlog + 1000 + 8, concurrent: 1000 });
      await applyWorkflow(store, ws.id, 'flow');
      for (let done = 0; done < backlog; done += 1000) {
        const results = await store.createRuns(Array.from({ length: 1000 }, (_, i) => runInput(ws.id, 'flow', { now: T0 + done + i })));
        const ids = results.map((r) => createdRun(r).id);
        assert.equal((await store.cancelQueuedRuns(ws.id, ids, T0 + done + 1000)).length, 1000);
      }
      const active = await store.createRuns(Array.from({ length: 995 }, () => runInput(ws.id, 'flow', { now: T0 + backlog + 1 })));
      assert.ok(active.every((r) => r.kind === 'created'));
      assert.deepEqual(await assertLimitCountersExact(store, ws.id), { activeRuns: 995, runsToday: backlog + 995 });

      // The concurrent limit binds: 5 places left.
      const on = (i: number) => (i % 2 === 0 ? store : pair.other);
      const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => on(i).createRun(runInput(ws.id, 'flow', { now: T0 + backlog + 2 }))));
      assert.equal(burst.filter((r) => r.kind === 'created').length, 5);
      assert.equal(burst.filter((r) => r.kind === 'concurrent_limit_exceeded').length, 25);
      // Half of the active runs end; now the daily limit binds: 8 places left.
      const activeIds = active.map((r) => createdRun(r).id).slice(0, 500);
      assert.equal((await pair.other.cancelQueuedRuns(ws.id, activeIds, T0 + backlog + 3)).length, 500);
      const second = await Promise.all(Array.from({ length: 30 }, (_, i) => on(i).createRun(runInput(ws.id, 'flow', { now: T0 + backlog + 4, idempotencyKey: i % 5 === 0 ? `k${i}` : null }))));
      assert.equal(second.filter((r) => r.kind === 'created').length, 8);
      assert.equal(second.filter((r) => r.kind === 'daily_limit_exceeded').length, 22);
      // And a batch over both limits is cut exactly at the daily limit too.
      const batch = await pair.other.createRuns(Array.from({ length: 10 }, () => runInput(ws.id, 'flow', { now: T0 + backlog + 5 })));
      assert.equal(batch.filter((r) => r.kind === 'created').length, 0);
      assert.deepEqual(await assertLimitCountersExact(store, ws.id), { activeRuns: 508, runsToday: backlog + 1008 });
      t.diagnostic(`${backlog + 1008} runs in the workspace's day`);
    });

    it('the migration counts the runs already there', async () => {
      const { databaseUrl, remove } = await freshDatabase(backend);
      const target = parseDatabaseUrl(databaseUrl);
      let old = await openStore(target);
      try {
        const ws = await newWorkspace(old, { daily: 100, concurrent: 100 });
        await applyWorkflow(old, ws.id, 'flow');
        for (let i = 0; i < 5; i++) createdRun(await old.createRun(runInput(ws.id, 'flow', { now: T0 + i })));
        createdRun(await old.createRun(runInput(ws.id, 'flow', { now: T0 - DAY })));
        const [claimed] = await old.claimRuns(claimInput('w', 1, T0 + 10));
        assert.equal(await old.finishRun({ lease: leaseOf(claimed!), status: 'COMPLETED', output: null, error: null, now: T0 + 11 }), true);
        await old.close();
        // The database as it was before migration 018; migrating again counts its runs.
        await undoCounterMigration(databaseUrl);
        old = await openStore(target);
        assert.deepEqual(await assertLimitCountersExact(old, ws.id), { activeRuns: 5, runsToday: 5 });
        assert.deepEqual(await assertLimitCountersExact(old, ws.id, DAY_START - DAY), { activeRuns: 5, runsToday: 6 });
      } finally {
        await old.close();
        remove();
      }
    });
  });
}
