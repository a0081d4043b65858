import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { clockWithNow } from '../src/core/clock.js';
import { newUuid } from '../src/core/ids.js';
import { createRetentionSweeper } from '../src/engine/retention-sweeper.js';
import { leaseOf } from '../src/store/lease-store.js';
import type { Run, RunRetention, Store, Workspace } from '../src/store/store.js';
import { DAY_START, T0, applyWorkflow, claimInput, newWorkspace, openStorePair, runInput, type StorePair } from './support/store-fixtures.js';
import { testBackends } from './support/test-server.js';
import { assertLimitCountersExact } from './support/limit-counters.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A sweeper whose clock says `now`; batches of 7 so a handful of runs already takes several. */
function sweepAt(store: Store, now: number, batchSize = 7) {
  return createRetentionSweeper({ store, clock: clockWithNow(() => now) }, { intervalMs: MINUTE, batchSize }).sweep();
}

/** The same, without the daily-count rows it dropped (what a test of runs and records compares). */
async function runsSweptAt(store: Store, now: number, batchSize = 7) {
  const { forgottenDailyCounts: _, ...report } = await sweepAt(store, now, batchSize);
  return report;
}

async function setRetention(store: Store, workspace: Workspace, retention: Partial<RunRetention>): Promise<Workspace> {
  const updated = await store.updateWorkspaceRetention(workspace.id, retention);
  assert.ok(updated);
  return updated;
}

/**
 * A run created at `createdAt` and finished at `endedAt` with `status`, owning one attempt,
 * one log line and its status events; CANCELED ones are canceled while queued.
 */
async function finishedRun(store: Store, ws: Workspace, status: 'COMPLETED' | 'FAILED' | 'CANCELED', createdAt: number, endedAt: number, extra: { key?: string; workflowId?: string } = {}): Promise<Run> {
  const created = await store.createRun(runInput(ws.id, extra.workflowId ?? 'flow', { now: createdAt, dayStart: DAY_START, idempotencyKey: extra.key ?? null }));
  assert.equal(created.kind, 'created');
  const run = (created as { run: Run }).run;
  if (status === 'CANCELED') {
    assert.equal((await store.cancelQueuedRun(ws.id, run.id, endedAt)).kind, 'canceled');
    return (await store.getRun(ws.id, run.id))!;
  }
  const [claimed] = await store.claimRuns(claimInput(`w-${newUuid()}`, 1, createdAt + 1));
  assert.equal(claimed?.id, run.id);
  await store.markRunRunning(leaseOf(claimed), createdAt + 2);
  await store.saveStepAttempt(leaseOf(claimed), {
    runId: run.id, stepId: 's', attempt: 1, stepType: 'transform', status: status === 'COMPLETED' ? 'COMPLETED' : 'FAILED',
    input: { a: 1 }, output: status === 'COMPLETED' ? { ok: true } : null, error: status === 'FAILED' ? { code: 'X', message: 'no' } : null,
    startedAt: createdAt + 2, finishedAt: endedAt, wakeAt: null,
  });
  await store.appendStepLogs(run.id, [{ stepId: 's', attempt: 1, level: 'info', message: 'hello', fields: null, at: createdAt + 3 }], 100);
  assert.equal(await store.finishRun({
    lease: leaseOf(claimed), status, output: status === 'COMPLETED' ? { ok: true } : null,
    error: status === 'FAILED' ? { code: 'WORKFLOW_FAILED', message: 'no' } : null, now: endedAt,
  }), true);
  return (await store.getRun(ws.id, run.id))!;
}

/** What is left of a run in every table that holds its id. */
async function leftOf(store: Store, ws: Workspace, runId: string) {
  return {
    run: (await store.getRun(ws.id, runId)) !== null,
    attempts: (await store.listStepAttempts(runId)).length,
    logs: (await store.listStepLogs(runId, { stepId: null, after: 0, limit: 100 })).length,
    events: (await store.listRunEvents(runId, 0, 100)).length,
    waitpoints: (await store.listRunWaitpoints(ws.id, runId)).length,
  };
}

const GONE = { run: false, attempts: 0, logs: 0, events: 0, waitpoints: 0 };

for (const backend of testBackends()) {
  describe(`Retention store and sweeper [${backend}]`, () => {
    let pair: StorePair;
    let store: Store;
    beforeEach(async () => {
      pair = await openStorePair(backend);
      store = pair.store;
    });
    afterEach(() => pair.close());

    it('keeps runs forever by default and stores the settings per status', async () => {
      const ws = await newWorkspace(store);
      assert.deepEqual(ws.retention, { completed: null, failed: null, canceled: null });
      await applyWorkflow(store, ws.id, 'flow');
      await finishedRun(store, ws, 'COMPLETED', T0 - 400 * DAY, T0 - 400 * DAY + 1);
      assert.deepEqual(await runsSweptAt(store, T0), { deletedRuns: 0, forgottenRecords: 0, forgottenEventIds: 0 });
      const set = await setRetention(store, ws, { completed: 30 * DAY, failed: 90 * DAY });
      assert.deepEqual(set.retention, { completed: 30 * DAY, failed: 90 * DAY, canceled: null });
      const again = await setRetention(store, ws, { failed: null, canceled: 7 * DAY });
      assert.deepEqual(again.retention, { completed: 30 * DAY, failed: null, canceled: 7 * DAY }, 'an absent key keeps its value');
      assert.deepEqual((await store.getWorkspace(ws.id))!.retention, again.retention);
      assert.equal(await store.updateWorkspaceRetention(999_999, { completed: DAY }), null);
    });

    it('deletes expired runs with everything they own and keeps the rest, by status and age', async () => {
      const ws = await newWorkspace(store);
      const other = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'flow');
      await applyWorkflow(store, other.id, 'flow');
      await setRetention(store, ws, { completed: HOUR, failed: 2 * HOUR });
      await setRetention(store, other, { completed: 30 * DAY });

      const oldCompleted = await finishedRun(store, ws, 'COMPLETED', T0 - 3 * HOUR, T0 - 2 * HOUR);
      const recentCompleted = await finishedRun(store, ws, 'COMPLETED', T0 - 3 * HOUR, T0 - 30 * MINUTE);
      const oldFailed = await finishedRun(store, ws, 'FAILED', T0 - 4 * HOUR, T0 - 3 * HOUR);
      const recentFailed = await finishedRun(store, ws, 'FAILED', T0 - 4 * HOUR, T0 - 90 * MINUTE);
      const oldCanceled = await finishedRun(store, ws, 'CANCELED', T0 - 10 * DAY, T0 - 10 * DAY, {});
      const otherCompleted = await finishedRun(store, other, 'COMPLETED', T0 - 10 * DAY, T0 - 10 * DAY + 1);
      // A waitpoint of the old completed run (opened while it ran).
      await store.openWaitpoint({
        id: newUuid(), openKey: `${oldCompleted.id}:w:1`, workspaceId: ws.id, runId: oldCompleted.id, workflowId: 'flow', stepId: 'w',
        kind: 'approval', prompt: 'ok?', fields: null, event: null, match: null, matchScope: null, expiresAt: null, now: T0 - 3 * HOUR,
      }, () => '{}');
      // A parent that still runs, with a child that ended long ago: the child stays while its parent runs.
      const parentCreated = await store.createRun(runInput(ws.id, 'flow', { now: T0 - 5 * HOUR }));
      const [parent] = await store.claimRuns(claimInput('wp', 1, T0 - 5 * HOUR + 1));
      assert.equal(parentCreated.kind === 'created' && parentCreated.run.id, parent!.id);
      const childCreated = await store.createRun(runInput(ws.id, 'flow', { now: T0 - 5 * HOUR + 2, parentRunId: parent!.id, ignoreLimits: true }));
      const [child] = await store.claimRuns(claimInput('wc', 1, T0 - 5 * HOUR + 3));
      assert.equal(childCreated.kind === 'created' && childCreated.run.id, child!.id);
      await store.finishRun({ lease: leaseOf(child!), status: 'COMPLETED', output: 1, error: null, now: T0 - 5 * HOUR + 4 });

      const before = await leftOf(store, ws, oldCompleted.id);
      assert.deepEqual(before, { run: true, attempts: 1, logs: 1, events: before.events, waitpoints: 1 });
      assert.ok(before.events >= 3, 'QUEUED, STARTING/RUNNING, COMPLETED events');

      assert.deepEqual(await runsSweptAt(store, T0), { deletedRuns: 2, forgottenRecords: 0, forgottenEventIds: 0 });
      assert.deepEqual(await leftOf(store, ws, oldCompleted.id), GONE);
      assert.deepEqual(await leftOf(store, ws, oldFailed.id), GONE);
      for (const kept of [recentCompleted, recentFailed, oldCanceled]) {
        assert.equal((await leftOf(store, ws, kept.id)).run, true, `${kept.status} run ended recently or kept forever`);
      }
      assert.equal((await leftOf(store, ws, recentCompleted.id)).attempts, 1, 'a kept run keeps its attempts');
      assert.equal((await leftOf(store, other, otherCompleted.id)).run, true, 'another workspace keeps its runs 30 days');
      assert.equal((await store.getRun(ws.id, child!.id))?.status, 'COMPLETED', 'a child stays while its parent runs');
      assert.equal((await store.getRun(ws.id, parent!.id))?.status, 'STARTING', 'an unfinished run is never deleted');

      // Later: the recent ones expire too; the parent finishes, so its child goes with it.
      await store.finishRun({ lease: leaseOf(parent!), status: 'COMPLETED', output: 1, error: null, now: T0 + 1 });
      assert.deepEqual(await runsSweptAt(store, T0 + 2 * HOUR), { deletedRuns: 4, forgottenRecords: 0, forgottenEventIds: 0 });
      assert.equal((await leftOf(store, ws, oldCanceled.id)).run, true, 'CANCELED has no retention: kept forever');
      assert.equal((await store.listRuns(ws.id, { page: 1, limit: 50 })).total, 1);
    });

    it('keeps a run while one of its webhook deliveries is pending, and deletes it once delivered', async () => {
      const ws = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'flow');
      const endpointId = newUuid();
      await store.createWebhook({ id: endpointId, workspaceId: ws.id, url: 'http://127.0.0.1:9/hook', events: ['run.completed'], workflowId: null, description: '', secret: 'whsec_test', createdAt: T0 - DAY });
      await setRetention(store, ws, { completed: HOUR });
      const run = await finishedRun(store, ws, 'COMPLETED', T0 - 3 * HOUR, T0 - 2 * HOUR);
      const deliveries = await store.listDeliveries(ws.id, endpointId, { page: 1, limit: 10 });
      assert.deepEqual(deliveries.items.map((d) => [d.runId, d.status]), [[run.id, 'pending']]);

      assert.equal((await sweepAt(store, T0)).deletedRuns, 0);
      assert.equal((await leftOf(store, ws, run.id)).run, true, 'a pending delivery keeps its run');

      const [claimed] = await store.claimDueDeliveries({ workerId: 'd', limit: 10, leaseMs: MINUTE, now: T0 });
      assert.equal(claimed?.runId, run.id);
      assert.equal(await store.recordDeliveryAttempt({ deliveryId: claimed.id, workerId: 'd', outcome: { kind: 'delivered' }, statusCode: 200, error: null, now: T0 + 1 }), true);
      assert.equal((await sweepAt(store, T0 + 2)).deletedRuns, 1);
      assert.deepEqual(await leftOf(store, ws, run.id), GONE);
      assert.equal((await store.listDeliveries(ws.id, endpointId, { page: 1, limit: 10 })).total, 0, 'its ended deliveries went with it');
    });

    it('answers a replayed Idempotency-Key from the deleted run for 24 h after its creation, and still counts it for its day', async () => {
      const ws = await newWorkspace(store, { daily: 3 });
      await applyWorkflow(store, ws.id, 'flow');
      await applyWorkflow(store, ws.id, 'other');
      await setRetention(store, ws, { completed: MINUTE, canceled: MINUTE });
      const createdAt = T0 - 2 * HOUR;
      const keyed = await finishedRun(store, ws, 'COMPLETED', createdAt, createdAt + 1000, { key: 'key-1' });
      await finishedRun(store, ws, 'CANCELED', createdAt, createdAt + 1000, { key: 'key-2' });
      await finishedRun(store, ws, 'COMPLETED', createdAt, createdAt + 1000);
      assert.equal((await store.createRun(runInput(ws.id, 'flow', { now: T0 }))).kind, 'daily_limit_exceeded');

      assert.equal((await sweepAt(store, T0)).deletedRuns, 3);
      assert.equal(await store.getRun(ws.id, keyed.id), null);

      const replay = await store.createRun(runInput(ws.id, 'flow', { now: T0, idempotencyKey: 'key-1' }));
      assert.equal(replay.kind, 'replayed_deleted');
      assert.deepEqual(replay.kind === 'replayed_deleted' && [replay.deleted.id, replay.deleted.status, replay.deleted.workflowId], [keyed.id, 'COMPLETED', 'flow']);
      const [batchReplay] = await store.createRuns([runInput(ws.id, 'flow', { now: T0, idempotencyKey: 'key-2' })]);
      assert.equal(batchReplay?.kind, 'replayed_deleted', 'a batch item replays a deleted run too');
      const conflict = await store.createRun(runInput(ws.id, 'other', { now: T0, idempotencyKey: 'key-1' }));
      assert.deepEqual(conflict.kind === 'idempotency_conflict' && conflict.run, { id: keyed.id, workflowId: 'flow' });
      assert.equal((await store.createRun(runInput(ws.id, 'flow', { now: T0 }))).kind, 'daily_limit_exceeded', 'the deleted runs still count for their day');
      assert.equal((await store.createRuns([runInput(ws.id, 'flow', { now: T0 })]))[0]?.kind, 'daily_limit_exceeded', 'also for a batch');
      assert.equal((await store.findDeletedRunByIdempotencyKey(ws.id, 'key-1', T0))?.id, keyed.id);
      // The day's counter (migration 018) was not decremented by the deletes.
      assert.equal((await assertLimitCountersExact(store, ws.id)).runsToday, 3);

      // The next day counts afresh; 24 h after creation the key is free and the records are forgotten.
      const nextDay = createdAt + DAY + 1;
      assert.equal(await store.findDeletedRunByIdempotencyKey(ws.id, 'key-1', nextDay), null);
      const fresh = await store.createRun(runInput(ws.id, 'flow', { now: nextDay, dayStart: DAY_START + DAY, idempotencyKey: 'key-1' }));
      assert.equal(fresh.kind, 'created');
      assert.notEqual(fresh.kind === 'created' && fresh.run.id, keyed.id);
      assert.deepEqual(await runsSweptAt(store, nextDay), { deletedRuns: 0, forgottenRecords: 3, forgottenEventIds: 0 });
    });

    it('forgets POST /events ids once their 24 h de-duplication window is over, and keeps the recent ones', async () => {
      const ws = await newWorkspace(store);
      const window = 24 * HOUR;
      for (let i = 0; i < 10; i++) assert.equal(await store.recordEventId(ws.id, `old-${i}`, T0 - window - MINUTE, window), true);
      assert.equal(await store.recordEventId(ws.id, 'recent', T0 - HOUR, window), true);
      assert.deepEqual(await runsSweptAt(store, T0, 3), { deletedRuns: 0, forgottenRecords: 0, forgottenEventIds: 10 });
      assert.equal(await store.recordEventId(ws.id, 'recent', T0, window), false, 'the recent id is still remembered');
    });

    it('forgets the daily-limit counts of days before yesterday, and today\'s limit stays exact', async () => {
      const ws = await newWorkspace(store, { daily: 2 });
      await applyWorkflow(store, ws.id, 'flow');
      const createdOn = async (dayStart: number) =>
        (await store.createRun(runInput(ws.id, 'flow', { now: dayStart + HOUR, dayStart }))).kind;
      assert.equal(await createdOn(DAY_START - 2 * DAY), 'created');
      assert.equal(await createdOn(DAY_START - DAY), 'created');
      assert.equal(await createdOn(DAY_START), 'created');
      assert.equal(await createdOn(DAY_START), 'created');
      assert.equal(await createdOn(DAY_START), 'daily_limit_exceeded');

      const first = await sweepAt(store, T0);
      assert.ok(first.forgottenDailyCounts > 0, 'the count of two days ago went');
      assert.equal((await sweepAt(store, T0)).forgottenDailyCounts, 0, 'and nothing else');
      // Yesterday's and today's counts are kept: both still equal count(*) of their runs.
      assert.equal((await assertLimitCountersExact(store, ws.id, DAY_START - DAY)).runsToday, 3);
      assert.equal((await assertLimitCountersExact(store, ws.id, DAY_START)).runsToday, 2);
      assert.equal(await createdOn(DAY_START), 'daily_limit_exceeded', 'today\'s limit still holds');
    });

    it('two sweepers at once delete every expired run exactly once, without errors', async () => {
      const ws = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'flow');
      await setRetention(store, ws, { canceled: MINUTE });
      const total = 60;
      const ids: string[] = [];
      for (let i = 0; i < total; i++) ids.push((await finishedRun(store, ws, 'CANCELED', T0 - HOUR, T0 - HOUR + i, { key: `k-${i}` })).id);
      const kept = await finishedRun(store, ws, 'CANCELED', T0, T0);

      const [a, b] = await Promise.all([sweepAt(store, T0, 5), sweepAt(pair.other, T0, 5)]);
      assert.equal(a.deletedRuns + b.deletedRuns, total, `each run deleted once (${a.deletedRuns} + ${b.deletedRuns})`);
      assert.equal((await store.listRuns(ws.id, { page: 1, limit: 100 })).items.map((r) => r.id).join(), kept.id);
      for (let i = 0; i < total; i++) {
        assert.equal((await store.findDeletedRunByIdempotencyKey(ws.id, `k-${i}`, T0))?.id, ids[i], `the record of run ${i}`);
      }
    });
  });
}
