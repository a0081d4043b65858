import assert from 'node:assert/strict';
import pg from 'pg';
import { after, before, describe, it } from 'node:test';
import { parseDatabaseUrl } from '../src/config/config.js';
import { newRunId } from '../src/core/ids.js';
import { openStore } from '../src/server.js';
import type { CreateRunResult, NewRun, Store } from '../src/store/store.js';
import { createWorkspaceCreateGroups } from '../src/store/postgres/postgres-create-groups.js';
import { applyWorkflow, newWorkspace, runInput } from './support/store-fixtures.js';
import { assertLimitCountersExact } from './support/limit-counters.js';
import { freshDatabase, testBackends } from './support/test-server.js';

const created = (input: NewRun): CreateRunResult => ({ kind: 'created', run: { id: input.id } as never });

/** The group commit of limited creates on PostgreSQL (issue 10): grouping, and one failing create isolated from its group. */
describe('PostgreSQL group commit of limited creates', () => {
  it('sends the creates that arrive while one is in flight as one chunk, in arrival order', async () => {
    const calls: string[][] = [];
    let release!: () => void;
    const firstDone = new Promise<void>((resolve) => (release = resolve));
    const groups = createWorkspaceCreateGroups({
      createOne: async (input) => {
        calls.push([input.id]);
        if (calls.length === 1) await firstDone;
        return created(input);
      },
      createChunk: async (inputs) => {
        calls.push(inputs.map((input) => input.id));
        return inputs.map(created);
      },
    });
    const inputs = Array.from({ length: 6 }, (_, i) => runInput(1, 'flow', { id: `r${i}` }));
    const other = runInput(2, 'flow', { id: 'elsewhere' });
    const results = Promise.all([...inputs, other].map((input) => groups.submit(input)));
    release();
    assert.deepEqual((await results).map((r) => (r.kind === 'created' ? r.run.id : r.kind)), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'elsewhere']);
    assert.deepEqual(calls, [['r0'], ['elsewhere'], ['r1', 'r2', 'r3', 'r4', 'r5']], 'another workspace does not wait; the waiting five share one chunk');
  });

  it('redoes a failed chunk item by item, so only the failing create fails', async () => {
    const groups = createWorkspaceCreateGroups({
      createOne: async (input) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (input.id === 'bad') throw new Error('duplicate key');
        return created(input);
      },
      createChunk: async () => {
        throw new Error('duplicate key');
      },
    });
    const settled = await Promise.allSettled(['a', 'b', 'bad', 'c'].map((id) => groups.submit(runInput(1, 'flow', { id }))));
    assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  });

  describe('on PostgreSQL', { skip: !testBackends().includes('postgres') }, () => {
    let store: Store;
    let databaseUrl: string;
    before(async () => {
      databaseUrl = (await freshDatabase('postgres')).databaseUrl;
      store = await openStore(parseDatabaseUrl(databaseUrl));
    });
    after(async () => {
      await store?.close();
    });

    it('a chunk written in one statement reads the counters after the lock, not before it', async () => {
      const ws = await newWorkspace(store, { concurrent: 3 });
      await applyWorkflow(store, ws.id, 'flow');
      const first = await store.createRuns([runInput(ws.id, 'flow'), runInput(ws.id, 'flow')]);
      assert.deepEqual(first.map((r) => r.kind), ['created', 'created']);
      // Another process holds the workspace lock and has the third active run, not yet committed.
      const other = new pg.Client({ connectionString: databaseUrl });
      await other.connect();
      try {
        await other.query('BEGIN');
        await other.query('SELECT id FROM workspaces WHERE id = $1 FOR NO KEY UPDATE', [ws.id]);
        await other.query(`INSERT INTO runs (id, workspace_id, workflow_id, status, inputs, created_at, updated_at) VALUES ($1, $2, 'flow', 'QUEUED', '{}', $3, $3)`,
          [newRunId(), ws.id, Date.now()]);
        let settled = false;
        const waiting = store.createRuns([runInput(ws.id, 'flow')]).finally(() => (settled = true));
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(settled, false, 'the create waits for the lock');
        await other.query('COMMIT');
        // Counted in a snapshot taken before the lock it would see 2 active runs and overshoot.
        assert.deepEqual((await waiting).map((r) => r.kind), ['concurrent_limit_exceeded']);
      } finally {
        await other.end();
      }
      assert.deepEqual(await assertLimitCountersExact(store, ws.id), { activeRuns: 3, runsToday: 3 });
    });

    it('isolates a create that fails inside a group and keeps the limit exact', async () => {
      const ws = await newWorkspace(store, { concurrent: 10 });
      await applyWorkflow(store, ws.id, 'flow');
      const first = await store.createRun(runInput(ws.id, 'flow'));
      assert.equal(first.kind, 'created');
      const existingId = first.kind === 'created' ? first.run.id : '';
      // Twelve at once; the sixth reuses an existing run id, so its group's INSERT fails as a whole.
      const inputs = Array.from({ length: 12 }, (_, i) => runInput(ws.id, 'flow', i === 5 ? { id: existingId } : {}));
      const settled = await Promise.allSettled(inputs.map((input) => store.createRun(input)));
      assert.equal(settled[5]!.status, 'rejected');
      const kinds = settled.filter((s) => s.status === 'fulfilled').map((s) => (s as PromiseFulfilledResult<CreateRunResult>).value.kind);
      assert.equal(kinds.filter((k) => k === 'created').length, 9);
      assert.equal(kinds.filter((k) => k === 'concurrent_limit_exceeded').length, 2);
      assert.deepEqual(await assertLimitCountersExact(store, ws.id), { activeRuns: 10, runsToday: 10 });
      assert.equal((await store.listRuns(ws.id, { page: 1, limit: 100 })).total, 10);
    });
  });
});
