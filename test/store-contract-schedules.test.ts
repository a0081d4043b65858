import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { newUuid } from '../src/core/ids.js';
import type { RecordFireInput, Schedule, Store } from '../src/store/store.js';
import { T0, applyWorkflow, newWorkspace, openStorePair, runInput, type StorePair } from './support/store-fixtures.js';
import { testBackends } from './support/test-server.js';

function schedule(workspaceId: number, extra: Partial<Schedule> = {}): Schedule {
  return {
    id: newUuid(), workspaceId, workflowId: 'wf', definitionId: null, source: 'api', cron: '0 * * * *', timezone: 'UTC',
    inputs: { name: 'Ada' }, metadata: null, overlap: 'skip', catchup: 'none', paused: false, nextFireAt: T0, lastFireAt: null,
    createdAt: T0, updatedAt: T0, ...extra,
  };
}

function fireInput(s: Schedule, fireAt: number, extra: Partial<RecordFireInput> = {}): RecordFireInput {
  return {
    scheduleId: s.id, workspaceId: s.workspaceId, fireAt, now: fireAt, overlap: s.overlap, overlapsLaterFire: false,
    attempt: { kind: 'create', run: runInput(s.workspaceId, s.workflowId, { now: fireAt }) }, ...extra,
  };
}

/** The schedule operations of the Store contract, on every backend (SPEC §8). */
for (const backend of testBackends()) {
  describe(`Store contract: schedules [${backend}]`, () => {
    let pair: StorePair;
    let store: Store;
    beforeEach(async () => {
      pair = await openStorePair(backend);
      store = pair.store;
    });
    afterEach(() => pair.close());

    it('creates, reads, lists newest first, updates and deletes schedules', async () => {
      const ws = await newWorkspace(store);
      const a = schedule(ws.id, { metadata: { team: 'x' } });
      const b = schedule(ws.id, { workflowId: 'other', createdAt: T0 + 1 });
      await store.createSchedule(a);
      await store.createSchedule(b);
      assert.deepEqual(await store.getSchedule(ws.id, a.id), a);
      assert.equal(await store.getSchedule(ws.id + 1, a.id), null, 'scoped to its workspace');
      assert.deepEqual((await store.listSchedules(ws.id, { page: 1, limit: 10 })).items.map((s) => s.id), [b.id, a.id]);
      assert.deepEqual(await store.listSchedules(ws.id, { workflowId: 'wf', page: 1, limit: 10 }), { items: [a], total: 1 });
      const changed = { ...a, cron: '*/5 * * * *', paused: true, nextFireAt: null, updatedAt: T0 + 5 };
      assert.equal(await store.updateSchedule(changed), true);
      assert.deepEqual(await store.getSchedule(ws.id, a.id), changed);
      assert.equal(await store.updateSchedule({ ...changed, workspaceId: ws.id + 1 }), false);
      assert.equal(await store.deleteSchedule(ws.id, a.id), true);
      assert.equal(await store.deleteSchedule(ws.id, a.id), false);
      assert.equal(await store.getSchedule(ws.id, a.id), null);
    });

    it('claims a due schedule for one firer at a time, and releases it with its next time', async () => {
      const ws = await newWorkspace(store);
      const due = schedule(ws.id, { nextFireAt: T0 });
      await store.createSchedule(due);
      await store.createSchedule(schedule(ws.id, { nextFireAt: T0 + 60_000 }));
      await store.createSchedule(schedule(ws.id, { paused: true, nextFireAt: null }));
      const claims = await Promise.all([
        store.claimDueSchedules({ workerId: 'a', now: T0, leaseMs: 30_000, limit: 10 }),
        pair.other.claimDueSchedules({ workerId: 'b', now: T0, leaseMs: 30_000, limit: 10 }),
      ]);
      assert.deepEqual(claims.flat().map((s) => s.id), [due.id], 'one firer gets it, the other nothing');
      const holder = claims[0]!.length === 1 ? 'a' : 'b';
      assert.deepEqual(await store.claimDueSchedules({ workerId: 'c', now: T0 + 1000, leaseMs: 30_000, limit: 10 }), [], 'held while the lease lasts');
      assert.deepEqual((await store.claimDueSchedules({ workerId: 'c', now: T0 + 30_000, leaseMs: 30_000, limit: 10 })).map((s) => s.id), [due.id], 'taken over after it');
      assert.equal(await store.releaseSchedule(due.id, holder, T0 + 3_600_000), false, 'the old holder lost it');
      assert.equal(await store.releaseSchedule(due.id, 'c', T0 + 3_600_000), true);
      assert.equal((await store.getSchedule(ws.id, due.id))?.nextFireAt, T0 + 3_600_000);
    });

    it('an edit drops a firer\'s claim, so its release cannot put back a stale next time', async () => {
      const ws = await newWorkspace(store);
      const s = schedule(ws.id);
      await store.createSchedule(s);
      await store.claimDueSchedules({ workerId: 'a', now: T0, leaseMs: 30_000, limit: 1 });
      await store.updateSchedule({ ...s, cron: '0 0 * * *', nextFireAt: T0 + 86_400_000 });
      assert.equal(await store.releaseSchedule(s.id, 'a', T0 + 3_600_000), false);
      assert.equal((await store.getSchedule(ws.id, s.id))?.nextFireAt, T0 + 86_400_000);
    });

    it('records one fire per (schedule, fire time) however many stores try at once, with its run and trigger', async () => {
      const ws = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'wf');
      const s = schedule(ws.id, { overlap: 'allow' });
      await store.createSchedule(s);
      const results = await Promise.all([store, pair.other, store, pair.other].map((st) => st.recordScheduleFire(fireInput(s, T0))));
      const recorded = results.filter((r) => r.kind === 'recorded');
      assert.equal(recorded.length, 1, JSON.stringify(results));
      assert.equal(results.filter((r) => r.kind === 'duplicate').length, 3);
      const fire = recorded[0]!.kind === 'recorded' ? recorded[0]!.fire : null;
      assert.equal(fire?.outcome, 'created');
      const runs = await store.listRuns(ws.id, { page: 1, limit: 10 });
      assert.equal(runs.total, 1, 'one run, no extra');
      assert.equal(runs.items[0]!.id, fire?.runId);
      assert.deepEqual(runs.items[0]!.trigger, { type: 'schedule', schedule_id: s.id, fire_at: new Date(T0).toISOString() });
      assert.equal((await store.getSchedule(ws.id, s.id))?.lastFireAt, T0);
      const api = await store.createRun(runInput(ws.id, 'wf'));
      assert.deepEqual(api.kind === 'created' && api.run.trigger, { type: 'api' });
    });

    it('with overlap skip, records skipped_overlap while a run of the schedule is active', async () => {
      const ws = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'wf');
      const s = schedule(ws.id);
      await store.createSchedule(s);
      const first = await store.recordScheduleFire(fireInput(s, T0));
      const second = await store.recordScheduleFire(fireInput(s, T0 + 3_600_000));
      assert.equal(first.kind === 'recorded' && first.fire.outcome, 'created');
      assert.equal(second.kind === 'recorded' && second.fire.outcome, 'skipped_overlap');
      assert.equal(second.kind === 'recorded' && second.fire.runId, null);
      const forced = await store.recordScheduleFire(fireInput({ ...s, overlap: 'allow' }, T0 + 7_200_000, { overlapsLaterFire: true }));
      assert.equal(forced.kind === 'recorded' && forced.fire.outcome, 'skipped_overlap', 'a superseded catch-up fire');
      const allowed = await store.recordScheduleFire(fireInput({ ...s, overlap: 'allow' }, T0 + 10_800_000));
      assert.equal(allowed.kind === 'recorded' && allowed.fire.outcome, 'created');
    });

    it('applies the workspace limits and records refused fires; refusals before the create are recorded too', async () => {
      const ws = await newWorkspace(store, { daily: 1 });
      await applyWorkflow(store, ws.id, 'wf');
      const s = schedule(ws.id, { overlap: 'allow' });
      await store.createSchedule(s);
      await store.createRun(runInput(ws.id, 'wf'));
      const refused = await store.recordScheduleFire(fireInput(s, T0));
      assert.equal(refused.kind === 'recorded' && refused.fire.outcome, 'daily_run_limit_exceeded');
      const busy = await newWorkspace(store, { concurrent: 1 });
      await applyWorkflow(store, busy.id, 'wf');
      const t = schedule(busy.id, { overlap: 'allow' });
      await store.createSchedule(t);
      await store.createRun(runInput(busy.id, 'wf'));
      const concurrent = await store.recordScheduleFire(fireInput(t, T0));
      assert.equal(concurrent.kind === 'recorded' && concurrent.fire.outcome, 'concurrent_run_limit_exceeded');
      const unpublished = await store.recordScheduleFire(fireInput(s, T0 + 1, { attempt: { kind: 'refused', outcome: 'workflow_not_published' } }));
      assert.equal(unpublished.kind === 'recorded' && unpublished.fire.outcome, 'workflow_not_published');
      const fires = await store.listScheduleFires(ws.id, s.id, { page: 1, limit: 10 });
      assert.deepEqual(fires.items.map((f) => [f.fireAt, f.outcome]), [[T0 + 1, 'workflow_not_published'], [T0, 'daily_run_limit_exceeded']], 'newest first');
      assert.equal((await store.listRuns(ws.id, { page: 1, limit: 10 })).total, 1, 'no run for a refused fire');
      assert.equal(await store.deleteScheduleFiresBefore(T0 + 1), 2, 'retention deletes by record time (both workspaces)');
      assert.equal((await store.listScheduleFires(ws.id, s.id, { page: 1, limit: 10 })).total, 1);
    });

    it('a fire of a deleted schedule is refused as schedule_gone', async () => {
      const ws = await newWorkspace(store);
      const s = schedule(ws.id);
      await store.createSchedule(s);
      await store.deleteSchedule(ws.id, s.id);
      assert.deepEqual(await store.recordScheduleFire(fireInput(s, T0)), { kind: 'schedule_gone' });
    });

    it('replaces a workflow\'s definition schedules: inserts, updates, deletes; leaves API ones', async () => {
      const ws = await newWorkspace(store);
      const api = schedule(ws.id);
      const keep = schedule(ws.id, { source: 'definition', definitionId: 'keep' });
      const drop = schedule(ws.id, { source: 'definition', definitionId: 'drop' });
      for (const s of [api, keep, drop]) await store.createSchedule(s);
      await store.recordScheduleFire(fireInput(drop, T0, { attempt: { kind: 'refused', outcome: 'invalid_inputs' } }));
      const added = schedule(ws.id, { source: 'definition', definitionId: 'added' });
      await store.replaceDefinitionSchedules(ws.id, 'wf', [{ ...keep, cron: '5 * * * *' }, added]);
      const ids = (await store.listSchedules(ws.id, { page: 1, limit: 10 })).items.map((s) => s.id).sort();
      assert.deepEqual(ids, [api.id, keep.id, added.id].sort());
      assert.equal((await store.getSchedule(ws.id, keep.id))?.cron, '5 * * * *');
      assert.equal((await store.listScheduleFires(ws.id, drop.id, { page: 1, limit: 10 })).total, 0, 'a deleted schedule takes its fires along');
    });
  });
}
