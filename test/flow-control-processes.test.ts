import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
concurrency: { key: "{{ inputs.customerId }}", limit: 2 }
steps:
  - { id: nap, type: delay, with: { duration: 700ms } }
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

interface Interval { key: string; start: number; end: number }

/** The most intervals open at one instant (an interval holds its slot from claim to finish; [start, end)). */
function maxOverlap(intervals: readonly Interval[]): number {
  const edges = intervals.flatMap((i) => [[i.start, 1], [i.end, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, delta] of edges) most = Math.max(most, (open += delta));
  return most;
}

/**
 * Flow control with real worker processes (SPEC §12, issue 16): the API process runs no workers
 * (`serve --concurrency 0`), every run is executed by `slipway worker` processes on the same
 * database. The intervals a run held a slot come from its own `started_at` (the claim) and
 * `completed_at` (the finish), written by the processes that claimed and finished it.
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

  const intervalsOf = async (ids: readonly string[], key: (run: { inputs: { customerId?: string } }) => string) =>
    Promise.all(ids.map(async (id): Promise<Interval> => {
      const run = (await app.api('GET', `/workflow-runs/${id}?include=details`)).body;
      assert.equal(run.status, 'COMPLETED', JSON.stringify(run));
      return { key: key(run), start: Date.parse(run.started_at), end: Date.parse(run.completed_at) };
    }));

  it('runs at most limit runs of a key at once across two worker processes, while another key runs beside them', async () => {
    const [one, two] = await Promise.all([startWorker(app.databaseUrl, 2), startWorker(app.databaseUrl, 2)]);
    workers.push(one!, two!);
    const ids: string[] = [];
    for (const customerId of ['A', 'A', 'A', 'A', 'A', 'A', 'B', 'B', 'B', 'B']) {
      const answer = await app.api('POST', '/workflows/per-customer-slow/runs', { body: { inputs: { customerId } } });
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
      ids.push(answer.body.run_id);
    }
    for (const id of ids) await app.waitForStatus(id, ['COMPLETED', 'FAILED', 'CANCELED'], undefined, 120_000);
    const intervals = await intervalsOf(ids, (run) => run.inputs.customerId!);
    const a = intervals.filter((i) => i.key === 'A');
    const b = intervals.filter((i) => i.key === 'B');
    assert.equal(maxOverlap(a), 2, `A: ${JSON.stringify(a)}`);
    assert.equal(maxOverlap(b), 2, `B: ${JSON.stringify(b)}`);
    assert.ok(b.some((x) => a.some((y) => x.start < y.end && y.start < x.end)), 'a B run ran while A runs held their key');
    // Each process has 2 slots: more than 2 runs at once means both processes held runs.
    assert.ok(maxOverlap(intervals) > 2, `all: ${JSON.stringify(intervals)}`);
    // The key counters (migration 020) came back to nothing: the idle keys' rows are gone.
    assert.deepEqual(await app.server.store.listConcurrencyKeys(app.workspaceId), []);
    for (const worker of workers.splice(0)) assert.equal(await worker.stop('SIGTERM'), 0);
  });

  it('takes runs in priority order through a single slot (`slipway worker --concurrency 1`)', async () => {
    // Each run's one step calls this server: the calls arrive in the order the slot took the runs
    // (an http step holds its slot until the answer, unlike a delay).
    const arrived: number[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const home = createServer((request, response) => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      arrived.push(Number(request.url!.slice(1)));
      setTimeout(() => {
        inFlight -= 1;
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }, 20);
    });
    await new Promise<void>((resolve) => home.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(home.address() as AddressInfo).port}`;
      // Queued before any worker runs: the one slot then takes them by queue credit.
      const ids: string[] = [];
      for (const priority of [0, 30, 600, 10, 120]) {
        const answer = await app.api('POST', '/workflows/call-home/runs', { body: { inputs: { url: `${base}/${priority}` }, priority } });
        assert.equal(answer.status, 202, JSON.stringify(answer.body));
        ids.push(answer.body.run_id);
      }
      workers.push(await startWorker(app.databaseUrl, 1));
      for (const id of ids) assert.equal((await app.waitForStatus(id, ['COMPLETED', 'FAILED', 'CANCELED'], undefined, 120_000)).status, 'COMPLETED');
      assert.deepEqual(arrived, [600, 120, 30, 10, 0]);
      assert.equal(mostInFlight, 1, 'one slot');
    } finally {
      home.close();
    }
  });
});
