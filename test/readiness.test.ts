import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPostgresStore } from '../src/store/postgres/postgres-store.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { createTestDatabase, startTestPostgres, type TestPostgres } from './support/postgres.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { tempDir } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

/**
 * `/readyz` (SPEC §17): 200 when the database answers and is migrated, 503
 * `service_unavailable` with the error body otherwise; `/healthz` touches nothing.
 */
describe('readiness: the store check on both backends', () => {
  const dir = tempDir('slipway-readiness-');
  after(() => dir.remove());

  it('SQLite: not migrated until migrate, then ready', async () => {
    const store = createSqliteStore({ path: join(dir.path, 'fresh.db') });
    try {
      const before = await store.checkReadiness();
      assert.equal(before.ready, false);
      assert.equal(before.ready === false && before.reason, 'not_migrated');
      await store.migrate();
      assert.deepEqual(await store.checkReadiness(), { ready: true });
    } finally {
      await store.close();
    }
  });

  it('PostgreSQL: not migrated until migrate, then ready', async () => {
    const store = createPostgresStore({ url: await createTestDatabase(), poolSize: 2 });
    try {
      const before = await store.checkReadiness();
      assert.equal(before.ready, false);
      assert.equal(before.ready === false && before.reason, 'not_migrated');
      await store.migrate();
      assert.deepEqual(await store.checkReadiness(), { ready: true });
    } finally {
      await store.close();
    }
  });
});

describe('readiness: /readyz of a SQLite server', () => {
  const dir = tempDir('slipway-readyz-');
  let serve: SlipwayProcess;
  before(async () => {
    serve = await startSlipwayProcess(['serve', '--port', '0', '--concurrency', '1'], { env: { SLIPWAY_DATABASE_URL: `sqlite:${join(dir.path, 'r.db')}` } });
  });
  after(async () => {
    await serve?.stop();
    dir.remove();
  });

  it('answers 200 without a token', async () => {
    const ready = await fetch(`${serve.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ok' });
  });
});

describe('readiness: /readyz while PostgreSQL is stopped', () => {
  let cluster: TestPostgres;
  let serve: SlipwayProcess;
  before(async () => {
    cluster = await startTestPostgres(); // its own cluster, since the test stops it
    serve = await startSlipwayProcess(['serve', '--port', '0', '--concurrency', '1'], {
      env: { SLIPWAY_DATABASE_URL: await createTestDatabase(cluster), SLIPWAY_POLL_INTERVAL: '200ms' },
    });
  });
  after(async () => {
    await serve?.stop();
    await cluster?.stop();
  });

  it('answers 503 service_unavailable while the database is down, 200 after; /healthz stays 200', async () => {
    assert.equal((await fetch(`${serve.url}/readyz`)).status, 200);
    await cluster.stop();
    try {
      const down = await fetch(`${serve.url}/readyz`);
      assert.equal(down.status, 503);
      const body = (await down.json()) as { error: string; message: string; request_id: string };
      assert.equal(body.error, 'service_unavailable');
      assert.match(body.message, /unreachable|did not answer/);
      assert.equal(typeof body.request_id, 'string');
      assert.ok(down.headers.get('retry-after'), 'a 503 says when to retry');
      const live = await fetch(`${serve.url}/healthz`);
      assert.equal(live.status, 200, '/healthz does not touch the database');
    } finally {
      await cluster.start();
    }
    await waitFor(async () => (await fetch(`${serve.url}/readyz`)).status === 200, { timeoutMs: 60_000, intervalMs: 200, what: '/readyz answers 200 again' });
    assert.equal(serve.child.exitCode, null, 'the server stayed up');
  });
});
