import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { parseDatabaseUrl } from '../src/config/config.js';
import { openStore } from '../src/server.js';
import type { Store } from '../src/store/store.js';
import { T0, applyWorkflow, newWorkspace, runInput } from './support/store-fixtures.js';
import { assertLimitCountersExact } from './support/limit-counters.js';
import { freshDatabase, testBackends } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

/**
 * The PostgreSQL batch chunk's fallback (postgres-runs.ts createChunk): another request takes
 * one of the chunk's idempotency keys after the chunk read them and before its INSERT, so the
 * chunk's transaction is rolled back and judged again item by item. Forced deterministically:
 * a transaction of our own inserts the key and stays open until the chunk's INSERT waits on it.
 */
describe('PostgreSQL batch create: a chunk redone item by item when a key is taken meanwhile', { skip: !testBackends().includes('postgres') }, () => {
  let store: Store;
  let databaseUrl: string;
  before(async () => {
    databaseUrl = (await freshDatabase('postgres')).databaseUrl;
    store = await openStore(parseDatabaseUrl(databaseUrl));
  });
  after(async () => {
    await store?.close();
  });

  it('replays the run the other request created, creates the rest, and keeps the limits exact', async () => {
    const ws = await newWorkspace(store, { daily: 1000, concurrent: 1000 });
    await applyWorkflow(store, ws.id, 'flow');
    const intruder = new pg.Client({ connectionString: databaseUrl });
    const watcher = new pg.Client({ connectionString: databaseUrl });
    await intruder.connect();
    await watcher.connect();
    try {
      await intruder.query('BEGIN');
      await intruder.query(
        `INSERT INTO runs (id, workspace_id, workflow_id, status, inputs, idempotency_key, created_at, updated_at, event_seq)
         VALUES ('intruder-run', $1, 'flow', 'QUEUED', '{}', 'k2', $2, $2, 0)`,
        [ws.id, T0],
      );
      const items = Array.from({ length: 5 }, (_, i) => runInput(ws.id, 'flow', { idempotencyKey: `k${i}` }));
      const batch = store.createRuns(items);
      // The chunk's INSERT now waits for our uncommitted row with its key.
      await waitFor(async () => {
        // Another connection: inside a transaction, pg_stat_activity shows one snapshot.
        const { rows } = await watcher.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO runs%unnest%'`);
        return rows[0].n > 0 ? true : null;
      }, { timeoutMs: 30_000, what: "the chunk's INSERT waiting on the other transaction's key" });
      await intruder.query('COMMIT');
      const results = await batch;
      assert.deepEqual(results.map((r) => r.kind), ['created', 'created', 'replayed', 'created', 'created']);
      assert.equal(results[2]!.kind === 'replayed' && results[2]!.run.id, 'intruder-run');
      const ids = results.map((r) => (r.kind === 'created' || r.kind === 'replayed' ? r.run.id : ''));
      for (const [i, item] of items.entries()) if (i !== 2) assert.equal(ids[i], item.id, 'the chunk item ids, created by the item-by-item pass');
      assert.equal((await store.listRuns(ws.id, { page: 1, limit: 100 })).total, 5, 'nothing of the rolled-back chunk remains');
      assert.deepEqual(await assertLimitCountersExact(store, ws.id), { activeRuns: 5, runsToday: 5 });
    } finally {
      await intruder.end();
      await watcher.end();
    }
  });
});
