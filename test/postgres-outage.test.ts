import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli, startServe, type ServeProcess } from './support/cli.js';
import { createTestDatabase, freePort, startTestPostgres, type TestPostgres } from './support/postgres.js';

const API = '/workflow-service/api/public/v1';

/**
 * The database going away under running processes (issue 4): requests answer 503 while
 * it is down, nothing crashes, and once it is back every run completes, including those
 * a worker was executing when the connection dropped. Uses its own cluster, since it
 * stops it.
 */
describe('PostgreSQL outage and start-up errors', () => {
  let cluster: TestPostgres;
  let databaseUrl: string;
  let serve: ServeProcess;
  let token: string;

  before(async () => {
    cluster = await startTestPostgres();
    databaseUrl = await createTestDatabase(cluster);
    serve = await startServe(['serve', '--port', '0', '--concurrency', '3'], {
      SLIPWAY_DATABASE_URL: databaseUrl,
      SLIPWAY_LEASE_TIMEOUT: '2s',
      SLIPWAY_POLL_INTERVAL: '100ms',
    });
    token = /SLIPWAY_TOKEN=(slat_\w+)/.exec(serve.output())![1]!;
  });

  after(async () => {
    await serve?.stop();
    await cluster?.stop();
  });

  it('fails at start-up with an error that names the database and what to check', async () => {
    const port = await freePort();
    const result = await runCli(['migrate'], { SLIPWAY_DATABASE_URL: `postgres://slipway:secret@127.0.0.1:${port}/slipway` });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`cannot use PostgreSQL at postgres://slipway@127\\.0\\.0\\.1:${port}/slipway`));
    assert.match(result.stderr, /is PostgreSQL running/);
    assert.doesNotMatch(result.stderr, /secret/, 'the password is not printed');
    const missing = await runCli(['migrate'], { SLIPWAY_DATABASE_URL: cluster.url('no_such_db') });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /database does not exist/);
  });

  it('answers 503 while the database is down and completes every run once it is back', async () => {
    const delayed = await post('/workflows/hello/runs', { inputs: { name: 'before' } });
    assert.equal(delayed.status, 202);
    await waitFor(async () => (await get(`/workflow-runs/${delayed.body.run_id}`)).body.status === 'COMPLETED');

    // Runs in flight (a durable delay holds their worker or waits to be due) when the database goes away.
    const queued: string[] = [];
    for (let i = 0; i < 6; i++) {
      const created = await post('/workflows/slow-report/runs', { inputs: { topic: 'sales', seconds: 1 } });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      queued.push(created.body.run_id);
    }
    await cluster.stop();

    const during = await get(`/workflow-runs/${delayed.body.run_id}`).catch((error: unknown) => {
      throw new Error(`the server died: ${(error as Error).message}\n${serve.errors()}`);
    });
    assert.equal(during.status, 503, JSON.stringify(during.body));
    assert.equal(during.body.error, 'service_unavailable');
    // Workers keep failing to claim for a while; the process must stay up.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(serve.child.exitCode, null, 'the server is still running');

    await cluster.start();
    const after = await waitFor(async () => {
      const response = await post('/workflows/hello/runs', { inputs: { name: 'after' } });
      return response.status === 202 ? (response.body.run_id as string) : null;
    });
    for (const runId of [...queued, after]) {
      const run = await waitFor(async () => {
        const response = await get(`/workflow-runs/${runId}`);
        return ['COMPLETED', 'FAILED'].includes(response.body?.status) ? response.body : null;
      }, 60_000);
      assert.equal(run.status, 'COMPLETED', JSON.stringify(run));
    }
    assert.equal(serve.child.exitCode, null);
  });

  async function post(path: string, body: unknown) {
    const response = await fetch(`${serve.url}${API}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  async function get(path: string) {
    const response = await fetch(`${serve.url}${API}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as any };
  }
});

async function waitFor<T>(check: () => Promise<T | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => null);
    if (value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
