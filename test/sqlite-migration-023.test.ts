import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrateSqlite } from '../src/store/sqlite/migrate-sqlite.js';
import { parseDatabaseUrl } from '../src/config/config.js';
import { openStore } from '../src/server.js';
import { applyWorkflow, newWorkspace, runInput } from './support/store-fixtures.js';
import { tempDir } from './support/test-server.js';

const indexesOfRuns = (db: Database.Database) =>
  db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs' AND sql IS NOT NULL ORDER BY name`).pluck().all() as string[];

describe('SQLite migration 023 (fewer partial indexes on runs.status)', () => {
  it('upgrades a database of the schema before it: the two indexes dropped, runs and the queue depth kept', async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'slipway.db');
      const store = await openStore(parseDatabaseUrl(`sqlite:${path}`));
      const ws = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'flow');
      await store.createRuns([runInput(ws.id, 'flow'), runInput(ws.id, 'flow', { flow: { priority: 0, notBefore: null, ttlMs: null, concurrency: { key: 'k', limit: 1 } } }), runInput(ws.id, 'flow')]);
      await store.close();
      // The database as 022 left it: 023 not applied, its two indexes there.
      const db = new Database(path);
      db.exec(`DELETE FROM schema_migrations WHERE name LIKE '023_%';
        CREATE INDEX runs_queued ON runs (created_at) WHERE status = 'QUEUED';
        CREATE INDEX runs_workspace_active ON runs (workspace_id) WHERE status IN ('QUEUED', 'STARTING', 'RUNNING');`);
      assert.ok(indexesOfRuns(db).includes('runs_queued'));
      assert.deepEqual(migrateSqlite(db, Date.now()).filter((name) => name.startsWith('023_')).length, 1);
      const left = indexesOfRuns(db);
      assert.ok(!left.includes('runs_queued') && !left.includes('runs_workspace_active'), left.join(', '));
      assert.ok(left.includes('runs_claim_plain') && left.includes('runs_claim_keyed') && left.includes('runs_leased'));
      db.close();
      const upgraded = await openStore(parseDatabaseUrl(`sqlite:${path}`));
      assert.equal(await upgraded.countQueuedRuns(), 3, 'plain and keyed QUEUED runs counted');
      assert.equal((await upgraded.checkReadiness()).ready, true);
      await upgraded.close();
    } finally {
      dir.remove();
    }
  });
});
