import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from './support/cli.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { HELLO_WORKFLOW, startTestServer, testBackends, type TestServer } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `slipway worker` on the test server's database, with a short lease so a killed one expires soon. */
function startWorker(databaseUrl: string, concurrency: number): Promise<SlipwayProcess> {
  return startSlipwayProcess(['worker', '--concurrency', String(concurrency), '--database-url', databaseUrl], {
    cwd: ROOT,
    env: { SLIPWAY_LEASE_TIMEOUT: '2s', SLIPWAY_POLL_INTERVAL: '100ms' },
  });
}

for (const backend of testBackends()) describe(`workers registry across processes [${backend}]`, () => {
  let app: TestServer;
  const workers: SlipwayProcess[] = [];
  before(async () => {
    // The API process runs no workers (serve --concurrency 0): every listed worker is another process.
    app = await startTestServer({ backend, concurrency: 0 });
    await app.publish(HELLO_WORKFLOW);
  });
  after(async () => {
    for (const worker of workers) await worker.stop('SIGKILL');
    await app.close();
  });

  const listWorkers = async () => (await app.api('GET', '/workers')).body.data as { worker_id: string; pid: number; host: string; concurrency: number; last_seen_at: string; started_at: string; active_runs: string[] }[];

  it('lists a second process while it lives, drops it when stopped or killed -9, and queued runs then say no_workers', async () => {
    const first = await startWorker(app.databaseUrl, 3);
    const second = await startWorker(app.databaseUrl, 2);
    workers.push(first, second);
    const listed = await waitFor(async () => {
      const data = await listWorkers();
      return data.length === 2 && data;
    }, { timeoutMs: 30_000, what: 'both workers listed' });
    const byPid = new Map(listed.map((w) => [w.pid, w]));
    assert.equal(byPid.get(first.child.pid!)?.concurrency, 3);
    assert.equal(byPid.get(second.child.pid!)?.concurrency, 2);
    const firstId = /slipway worker (\S+) running/.exec(first.stdout())![1];
    assert.equal(byPid.get(first.child.pid!)?.worker_id, firstId);
    for (const worker of listed) assert.ok(Date.parse(worker.last_seen_at) >= Date.parse(worker.started_at));

    // The CLI over HTTP shows the same.
    const cli = await runCli(['workers', '--json'], { SLIPWAY_URL: app.url, SLIPWAY_TOKEN: app.token });
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual((JSON.parse(cli.stdout) as { pid: number }[]).map((w) => w.pid).sort(), [first.child.pid, second.child.pid].sort());

    // A clean stop removes the row at once.
    assert.equal(await second.stop('SIGTERM'), 0);
    assert.deepEqual((await listWorkers()).map((w) => w.pid), [first.child.pid]);

    // A run is executed by the live worker.
    const created = await app.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'a' } } });
    await app.waitForStatus(created.body.run_id, ['COMPLETED']);

    // kill -9: the row stays until its lease timeout (2 s) passes, then the worker is not listed.
    const lastBeat = Date.parse((await listWorkers())[0]!.last_seen_at);
    assert.equal(await first.stop('SIGKILL'), null);
    await waitFor(async () => (await listWorkers()).length === 0, { timeoutMs: 30_000, what: 'the killed worker dropped' });
    const queued = await app.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'b' } } });
    const run = (await app.api('GET', `/workflow-runs/${queued.body.run_id}?include=details`)).body;
    assert.equal(run.waiting.reason, 'no_workers');
    assert.ok(Date.parse(run.waiting.detail.last_seen_at) >= lastBeat, JSON.stringify(run.waiting));
  });
});
