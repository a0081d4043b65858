import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const KEYED = `
id: per-customer-slow
name: Per customer (slow)
inputs:
  - { variableName: customerId, type: text, required: true }
  - { variableName: url, type: text, required: true }
concurrency: { key: "{{ inputs.customerId }}", limit: 2 }
steps:
  - { id: call, type: http, with: { method: POST, url: "{{ inputs.url }}/{{ inputs.customerId }}" } }
`;
const CALL = `
id: call-home
name: Call home
inputs:
  - { variableName: url, type: text, required: true }
steps:
  - { id: call, type: http, with: { method: POST, url: "{{ inputs.url }}" } }
`;

/** `slipway worker` on the test server's database (a separate OS process). */
function startWorker(databaseUrl: string, concurrency: number): Promise<SlipwayProcess> {
  return startSlipwayProcess(['worker', '--concurrency', String(concurrency), '--database-url', databaseUrl], {
    cwd: ROOT,
    env: { SLIPWAY_POLL_INTERVAL: '100ms', SLIPWAY_HTTP_ALLOW_PRIVATE: 'true' },
  });
}

/**
 * A loopback server the runs' http steps call: it counts the calls in flight per path (a run's
 * only step is its call, which holds the run's worker slot until the answer, `holdMs` later).
 */
async function startHome(holdMs: number) {
  const inFlight = new Map<string, number>();
  const most = new Map<string, number>();
  const arrived: string[] = [];
  let mostTotal = 0;
  let besides = false;
  const server = createServer((request, response) => {
    const path = request.url!.slice(1);
    arrived.push(path);
    inFlight.set(path, (inFlight.get(path) ?? 0) + 1);
    most.set(path, Math.max(most.get(path) ?? 0, inFlight.get(path)!));
    const total = [...inFlight.values()].reduce((a, b) => a + b, 0);
    mostTotal = Math.max(mostTotal, total);
    if ((inFlight.get('A') ?? 0) > 0 && (inFlight.get('B') ?? 0) > 0) besides = true;
    setTimeout(() => {
      inFlight.set(path, inFlight.get(path)! - 1);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    }, holdMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrived,
    most: (path: string) => most.get(path) ?? 0,
    mostTotal: () => mostTotal,
    sawBesides: () => besides,
    close: () => server.close(),
  };
}

/**
 * Flow control with real worker processes (SPEC §12, issue 16): the API process runs no workers
 * (`serve --concurrency 0`), every run is executed by `slipway worker` processes on the same
 * database, and what ran at once is counted where it happens: at the server the runs' http steps
 * call (not from timestamps, which each process takes before its write).
 */
for (const backend of testBackends()) describe(`flow control across worker processes [${backend}]`, () => {
  let app: TestServer;
  const workers: SlipwayProcess[] = [];
  before(async () => {
    app = await startTestServer({ backend, concurrency: 0 });
    await app.publish(KEYED);
    await app.publish(CALL);
  });
  after(async () => {
    for (const worker of workers) await worker.stop('SIGKILL');
    await app.close();
  });

  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop('SIGKILL');
  });

  it('runs at most limit runs of a key at once across two worker processes, while another key runs beside them', async () => {
    const home = await startHome(700);
    try {
      workers.push(...await Promise.all([startWorker(app.databaseUrl, 2), startWorker(app.databaseUrl, 2)]));
      const ids: string[] = [];
      for (const customerId of ['A', 'A', 'A', 'A', 'A', 'A', 'B', 'B', 'B', 'B']) {
        const answer = await app.api('POST', '/workflows/per-customer-slow/runs', { body: { inputs: { customerId, url: home.url } } });
        assert.equal(answer.status, 202, JSON.stringify(answer.body));
        ids.push(answer.body.run_id);
      }
      for (const id of ids) assert.equal((await app.waitForStatus(id, ['COMPLETED', 'FAILED', 'CANCELED'], undefined, 120_000)).status, 'COMPLETED');
      assert.equal(home.arrived.length, 10);
      assert.equal(home.most('A'), 2, 'A ran 2 at once, never more');
      assert.equal(home.most('B'), 2, 'B ran 2 at once, never more');
      assert.ok(home.sawBesides(), 'B ran while A runs held their key');
      // Each process has 2 slots (an http step holds its slot): more than 2 calls at once came from both processes.
      assert.ok(home.mostTotal() > 2, `at most ${home.mostTotal()} calls at once`);
      // The key counters (migration 020) came back to nothing: the idle keys' rows are gone.
      assert.deepEqual(await app.server.store.listConcurrencyKeys(app.workspaceId), []);
    } finally {
      home.close();
    }
  });

  it('takes runs in priority order through a single slot (`slipway worker --concurrency 1`)', async () => {
    // Each run's one step calls home: the calls arrive in the order the slot took the runs.
    const home = await startHome(20);
    try {
      // Queued before any worker runs: the one slot then takes them by queue credit.
      const ids: string[] = [];
      for (const priority of [0, 30, 600, 10, 120]) {
        const answer = await app.api('POST', '/workflows/call-home/runs', { body: { inputs: { url: `${home.url}/${priority}` }, priority } });
        assert.equal(answer.status, 202, JSON.stringify(answer.body));
        ids.push(answer.body.run_id);
      }
      workers.push(await startWorker(app.databaseUrl, 1));
      for (const id of ids) assert.equal((await app.waitForStatus(id, ['COMPLETED', 'FAILED', 'CANCELED'], undefined, 120_000)).status, 'COMPLETED');
      assert.deepEqual(home.arrived, ['600', '120', '30', '10', '0']);
      assert.equal(home.mostTotal(), 1, 'one slot');
    } finally {
      home.close();
    }
  });
});
