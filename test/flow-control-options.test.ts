import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from './support/cli.js';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

const QUICK = `
id: quick
name: Quick
steps:
  - { id: one, type: transform, with: { value: 1 } }
`;

interface BatchItem { run_id?: string; status?: string; error?: { error: string; details?: { path: string }[] } }

/**
 * The create options of flow control (SPEC §12) where they are not the single POST: in the items
 * of a batch (`POST /workflows/{id}/runs/batch`, SPEC §15) and as `slipway run` flags. The server
 * runs no workers, so every run stays QUEUED with the columns its options set.
 */
for (const backend of testBackends()) describe(`flow control options in batches and the CLI [${backend}]`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ backend, concurrency: 0 });
    await server.publish(QUICK);
  });
  after(() => server.close());

  const stored = async (runId: string) => (await server.server.store.getRun(server.workspaceId, runId))!;

  it('takes priority, delay, not_before and ttl per batch item, and answers a bad value in its item', async () => {
    const notBefore = new Date(Date.now() + 3_600_000).toISOString();
    const asked = Date.now();
    const response = await server.api('POST', '/workflows/quick/runs/batch', { body: { runs: [
      { inputs: {}, priority: 90 },
      { inputs: {}, delay: '10m' },
      { inputs: {}, not_before: notBefore },
      { inputs: {}, ttl: '2h' },
      { inputs: {}, priority: -1 },
      { inputs: {}, delay: 'soon' },
      { inputs: {}, delay: '30s', not_before: notBefore },
      { inputs: {}, ttl: '0s' },
    ] } });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const data = response.body.data as BatchItem[];
    assert.deepEqual(data.slice(0, 4).map((item) => item.status), ['QUEUED', 'QUEUED', 'QUEUED', 'QUEUED'], JSON.stringify(data));
    const [urgent, delayed, scheduled, expiring] = await Promise.all(data.slice(0, 4).map((item) => stored(item.run_id!)));
    assert.equal(urgent!.priority, 90);
    assert.equal(urgent!.queueAt, urgent!.createdAt - 90_000);
    assert.ok(delayed!.notBefore! >= asked + 600_000 && delayed!.notBefore! <= Date.now() + 600_000, String(delayed!.notBefore));
    assert.equal(scheduled!.notBefore, Date.parse(notBefore));
    assert.equal(expiring!.expiresAt, expiring!.createdAt + 7_200_000);
    const waiting = (await server.api('GET', `/workflow-runs/${data[1]!.run_id}?include=details`)).body.waiting;
    assert.equal(waiting.reason, 'scheduled');
    assert.equal(Date.parse(waiting.detail.not_before), delayed!.notBefore);
    // A bad value fails its own item only, with the single create's error.
    for (const [index, path] of [[4, 'priority'], [5, 'delay'], [6, 'not_before'], [7, 'ttl']] as const) {
      const item = data[index]!;
      assert.equal(item.error?.error, 'invalid_request', JSON.stringify(item));
      assert.ok(item.error?.details?.some((detail) => detail.path.endsWith(path)), JSON.stringify(item));
    }
  });

  it('`slipway run --priority --delay --not-before --ttl` sends the options over HTTP', async () => {
    const env = { SLIPWAY_URL: server.url, SLIPWAY_TOKEN: server.token };
    const asked = Date.now();
    const first = await runCli(['run', 'quick', '--priority', '45', '--delay', '5m', '--ttl', '1h', '--json'], env);
    assert.equal(first.code, 0, first.stderr);
    const one = await stored(JSON.parse(first.stdout).run_id);
    assert.equal(one.priority, 45);
    assert.ok(one.notBefore! >= asked + 300_000 && one.notBefore! <= Date.now() + 300_000, String(one.notBefore));
    assert.equal(one.queueAt, one.notBefore! - 45_000);
    assert.equal(one.expiresAt, one.notBefore! + 3_600_000, 'the ttl counts from when the run becomes claimable');

    const notBefore = new Date(Date.now() + 7_200_000).toISOString();
    const second = await runCli(['run', 'quick', '--not-before', notBefore], env);
    assert.equal(second.code, 0, second.stderr);
    const [runId, status] = second.stdout.trim().split(' ');
    assert.equal(status, 'QUEUED');
    assert.equal((await stored(runId!)).notBefore, Date.parse(notBefore));

    const badPriority = await runCli(['run', 'quick', '--priority', 'soon'], env);
    assert.notEqual(badPriority.code, 0);
    assert.match(badPriority.stderr, /whole number of seconds/);
    const badDelay = await runCli(['run', 'quick', '--delay', 'later'], env);
    assert.notEqual(badDelay.code, 0);
    assert.match(badDelay.stderr, /delay/);
  });
});
