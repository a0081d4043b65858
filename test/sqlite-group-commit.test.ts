import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { startOfUtcDay } from '../src/core/clock.js';
import { newRunId } from '../src/core/ids.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { NewRun, Store } from '../src/store/store.js';
import { tempDir } from './support/test-server.js';

/**
 * The SQLite store commits writes issued in the same event-loop turn together (group
 * commit). These tests fire many operations at once, so they land in one batch, and check
 * that each keeps its own guarantees: limits and idempotency as if serialized, a failing
 * operation alone rolled back, and everything durable once its promise settles.
 */
async function withStore(fn: (store: Store, path: string) => Promise<void>) {
  const dir = tempDir('slipway-group-commit-');
  const path = join(dir.path, 'slipway.db');
  const store = createSqliteStore({ path });
  await store.migrate();
  try {
    await fn(store, path);
  } finally {
    await store.close().catch(() => {});
    dir.remove();
  }
}

async function setup(store: Store, limits: { concurrentRunLimit?: number } = {}) {
  const now = Date.now();
  const workspace = await store.createWorkspace({ name: 'w', organizationId: null, dailyRunLimit: null, concurrentRunLimit: limits.concurrentRunLimit ?? null, now });
  await store.applyWorkflow({
    workspaceId: workspace.id, workflowId: 'wf', uuid: 'u', publish: true, now, definition: { name: 'wf', steps: [] },
    fields: { name: 'wf', description: '', categories: [], emoji: '', color: '', readme: '' },
  });
  const newRun = (over: Partial<NewRun> = {}): NewRun => ({
    id: newRunId(), workspaceId: workspace.id, workflowId: 'wf', inputs: {}, metadata: null, idempotencyKey: null,
    parentRunId: null, ignoreLimits: false, now, dayStart: startOfUtcDay(now), ...over,
  });
  return { workspaceId: workspace.id, newRun };
}

test('concurrent creates with one idempotency key create exactly one run', async () => {
  await withStore(async (store) => {
    const { newRun } = await setup(store);
    const results = await Promise.all(Array.from({ length: 20 }, () => store.createRun(newRun({ idempotencyKey: 'same-key' }))));
    const created = results.filter((r) => r.kind === 'created');
    assert.equal(created.length, 1);
    assert.equal(results.filter((r) => r.kind === 'replayed').length, 19);
    const ids = new Set(results.map((r) => ('run' in r ? r.run.id : null)));
    assert.equal(ids.size, 1, 'every replay returns the one created run');
  });
});

test('concurrent creates never overshoot the concurrent-run limit', async () => {
  await withStore(async (store) => {
    const { newRun, workspaceId } = await setup(store, { concurrentRunLimit: 3 });
    const results = await Promise.all(Array.from({ length: 12 }, () => store.createRun(newRun())));
    assert.equal(results.filter((r) => r.kind === 'created').length, 3);
    assert.equal(results.filter((r) => r.kind === 'concurrent_limit_exceeded').length, 9);
    assert.equal((await store.listRuns(workspaceId, { page: 1, limit: 100 })).total, 3);
  });
});

test('an operation that fails is rolled back alone; the others of its batch commit', async () => {
  await withStore(async (store, path) => {
    const { newRun, workspaceId } = await setup(store);
    const duplicate = newRun();
    const outcomes = await Promise.allSettled([
      store.createRun(newRun()),
      store.createRun(duplicate),
      store.createRun({ ...duplicate }), // same primary key: fails inside the batch
      store.createRun(newRun()),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    assert.equal((await store.listRuns(workspaceId, { page: 1, limit: 100 })).total, 3);
    // Committed, not just visible to this connection: another connection sees the three runs.
    const other = new Database(path, { readonly: true });
    assert.equal((other.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n, 3);
    other.close();
  });
});

test('claims in one batch never hand the same run to two workers', async () => {
  await withStore(async (store) => {
    const { newRun } = await setup(store);
    for (let i = 0; i < 10; i++) await store.createRun(newRun());
    const claims = await Promise.all(
      ['a', 'b', 'c', 'd'].map((workerId) => store.claimRuns({ workerId, limit: 4, leaseMs: 30_000, now: Date.now(), newExecutionId: newRunId })),
    );
    const ids = claims.flat().map((r) => r.id);
    assert.equal(ids.length, 10);
    assert.equal(new Set(ids).size, 10);
  });
});

test('closing the store commits writes still waiting for their batch', async () => {
  const dir = tempDir('slipway-group-commit-');
  const path = join(dir.path, 'slipway.db');
  try {
    const store = createSqliteStore({ path });
    await store.migrate();
    const { newRun } = await setup(store);
    const pending = store.createRun(newRun());
    await store.close();
    assert.equal((await pending).kind, 'created');
    const db = new Database(path, { readonly: true });
    assert.equal((db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n, 1);
    db.close();
  } finally {
    dir.remove();
  }
});
