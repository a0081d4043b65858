import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createInterface } from 'node:readline';
import { toAppError } from '../src/http/error-mapping.js';
import { createGroupCommit } from '../src/store/sqlite/group-commit.js';
import { openSqliteDatabase } from '../src/store/sqlite/sqlite-connection.js';
import { assertError } from './support/assert-error.js';
import { HELLO_WORKFLOW, startTestServer, tempDir, type TestServer } from './support/test-server.js';

/**
 * Issue 19 item 6: another process holding SQLite's write lock must not freeze the event
 * loop (the old 10 s busy_timeout blocked every request, /healthz included), and a lock held
 * too long, or a full disk, answers 503 `service_unavailable` with Retry-After, not 500.
 */

/** A second process that holds `BEGIN IMMEDIATE` on the file until told to release it. */
async function holdWriteLock(path: string): Promise<{ release(): Promise<void>; process: ChildProcessWithoutNullStreams }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(path)});
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['-e', script], { cwd: join(import.meta.dirname, '..'), stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout });
  const [first] = (await once(lines, 'line')) as [string];
  assert.equal(first, 'locked');
  return {
    process: child,
    async release() {
      if (child.exitCode !== null) return;
      child.stdin.write('go\n');
      await once(child, 'exit');
    },
  };
}

describe('SQLite: another process holding the write lock (issue 19 item 6)', () => {
  let t: TestServer;
  let path: string;
  before(async () => {
    t = await startTestServer({ backend: 'sqlite', concurrency: 1, env: { SLIPWAY_SQLITE_LOCK_WAIT: '1500ms' } });
    await t.publish(HELLO_WORKFLOW);
    path = t.databaseUrl.slice('sqlite:'.length);
  });
  after(() => t.close());

  it('keeps /healthz and reads answering while a write waits for the lock, and the write goes through once it is free', async () => {
    const lock = await holdWriteLock(path);
    try {
      let createSettled = false;
      const create = t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'waiting' } } }).finally(() => (createSettled = true));
      // Today the create's synchronous busy wait blocks the event loop: /healthz answers only after it.
      const health = await t.api('GET', '//healthz', { token: null });
      assert.equal(health.status, 200);
      assert.equal(createSettled, false, '/healthz answered while the create still waited for the lock');
      const list = await t.api('GET', '/workflows');
      assert.equal(list.status, 200, 'reads (and the lazily recorded last-used date) do not wait for the lock');
      assert.equal(createSettled, false);
      await lock.release();
      const created = await create;
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const done = await t.waitForStatus(created.body.run_id, ['COMPLETED'], undefined, 30_000);
      assert.equal(done.output, 'Hello, waiting');
    } finally {
      await lock.release();
    }
  });

  it('answers 503 service_unavailable with Retry-After when the lock is held past SLIPWAY_SQLITE_LOCK_WAIT', async () => {
    const lock = await holdWriteLock(path);
    try {
      const create = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'refused' } } });
      assertError(create, 503, 'service_unavailable');
      assert.match(create.body.message, /locked by another process/);
      assert.ok(Number(create.headers.get('retry-after')) >= 1);
      assertError(await t.api('POST', '/tokens', { body: { name: 'during the lock', expires: '7d' } }), 503, 'service_unavailable');
      assert.equal((await t.api('GET', '//healthz', { token: null })).status, 200);
    } finally {
      await lock.release();
    }
    // Nothing of the refused write was kept, and writes work again.
    const runs = await t.api('GET', '/workflow-runs?limit=100');
    assert.equal(runs.body.data.filter((r: any) => r.inputs.name === 'refused').length, 0);
    assert.equal((await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'after' } } })).status, 202);
  });
});

describe('SQLite: a full disk answers 503, not 500 (issue 19 item 6)', () => {
  const dir = tempDir();
  after(() => dir.remove());

  it('maps SQLITE_FULL from a real write to service_unavailable', async () => {
    const db = openSqliteDatabase(join(dir.path, 'full.db'));
    db.exec('CREATE TABLE blobs (data BLOB); CREATE TABLE small (x INTEGER)');
    // A database that may not grow: the next page it needs is "disk full".
    const pages = Number(db.pragma('page_count', { simple: true }));
    db.pragma(`max_page_count = ${pages}`);
    const writes = createGroupCommit(db, { lockWaitMs: 1_000 });
    // Two operations in one batch: SQLite rolls the whole transaction back, so both fail with "full".
    const results = await Promise.allSettled([
      writes.submit(() => db.prepare('INSERT INTO small VALUES (1)').run()),
      writes.submit(() => db.prepare('INSERT INTO blobs VALUES (?)').run(Buffer.alloc(64 * 1024))),
    ]);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      const error = (result as PromiseRejectedResult).reason;
      assert.match(error.code, /^SQLITE_FULL/, error.message);
      const answer = toAppError(error);
      assert.equal(answer.code, 'service_unavailable');
      assert.equal(answer.status, 503);
      assert.match(answer.message, /full/);
    }
    assert.deepEqual(db.prepare('SELECT count(*) AS n FROM small').get(), { n: 0 });
    // Once there is room again, writes go through.
    db.pragma('max_page_count = 100000');
    await writes.submit(() => db.prepare('INSERT INTO small VALUES (2)').run());
    db.close();
  });
});
