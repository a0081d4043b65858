import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError } from './support/assert-error.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSlipwayClient } from '../src/client/slipway-client.js';
import { runCli } from './support/cli.js';
import { HELLO_WORKFLOW, startTestServer, tempDir, testBackends, type TestServer } from './support/test-server.js';

interface BatchItem {
  run_id?: string;
  status?: string;
  status_url?: string;
  replayed?: true;
  error?: { error: string; message: string; details?: { path: string; message: string }[] };
}

for (const backend of testBackends()) describe(`batch create (SPEC §15) [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    // No workers: runs stay QUEUED, so the concurrent limit is exact to check.
    t = await startTestServer({ backend, concurrency: 0 });
    await t.publish(HELLO_WORKFLOW);
  });
  after(() => t.close());

  const batch = async (runs: unknown[], options: { token?: string; workflowId?: string } = {}) =>
    t.api('POST', `/workflows/${options.workflowId ?? 'hello'}/runs/batch`, { token: options.token, body: { runs } });

  it('answers each item in request order: valid items created, invalid_inputs in their place', async () => {
    const response = await batch([
      { inputs: { name: 'a' }, metadata: { n: 1 } },
      { inputs: {} },
      { inputs: { name: 'c' } },
      { inputs: { name: 'd', extra: 1 } },
      { metadata: { no: 'inputs' } },
    ]);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const data = response.body.data as BatchItem[];
    assert.equal(data.length, 5);
    assert.equal(data[0]!.status, 'QUEUED');
    assert.equal(data[0]!.status_url, `/workflow-service/api/public/v1/workflow-runs/${data[0]!.run_id}`);
    assert.equal(data[1]!.error?.error, 'invalid_inputs');
    assert.ok(data[1]!.error?.details?.length);
    assert.equal(data[2]!.status, 'QUEUED');
    assert.equal(data[3]!.error?.error, 'invalid_inputs');
    assert.equal(data[4]!.error?.error, 'invalid_request');
    const run = await t.api('GET', `/workflow-runs/${data[0]!.run_id}?include=details`);
    assert.deepEqual(run.body.trigger, { type: 'batch' });
    assert.deepEqual(run.body.metadata, { n: 1 });
    assert.deepEqual(run.body.inputs, { name: 'a' });
    const third = await t.api('GET', `/workflow-runs/${data[2]!.run_id}`);
    assert.equal(third.status, 200);
  });

  it('creates one run per idempotency key, within one batch and across batches', async () => {
    const first = await batch([
      { inputs: { name: 'k1' }, idempotency_key: 'batch-key-1' },
      { inputs: { name: 'k1 again' }, idempotency_key: 'batch-key-1' },
      { inputs: { name: 'k2' }, idempotency_key: 'batch-key-2' },
    ]);
    const [a, b, c] = first.body.data as BatchItem[];
    assert.equal(a!.replayed, undefined);
    assert.equal(b!.replayed, true);
    assert.equal(b!.run_id, a!.run_id);
    assert.notEqual(c!.run_id, a!.run_id);
    const second = await batch([{ inputs: { name: 'k2' }, idempotency_key: 'batch-key-2' }, { inputs: { name: 'k3' }, idempotency_key: 'batch-key-3' }]);
    const [d, e] = second.body.data as BatchItem[];
    assert.equal(d!.replayed, true);
    assert.equal(d!.run_id, c!.run_id);
    assert.equal(e!.replayed, undefined);
    // The single create sees the batch's key too.
    const single = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'x' } }, headers: { 'idempotency-key': 'batch-key-1' } });
    assert.equal(single.status, 202);
    assert.equal(single.body.run_id, a!.run_id);
    assert.equal(single.headers.get('idempotent-replayed'), 'true');
    const runs = await t.api('GET', '/workflow-runs?workflow_id=hello&limit=100');
    const ids = (runs.body.data as { run_id: string }[]).map((run) => run.run_id);
    for (const id of [a!.run_id, c!.run_id, e!.run_id]) assert.equal(ids.filter((x) => x === id).length, 1);
  });

  it('answers idempotency_conflict for a key used with another workflow, and bad keys as invalid_request', async () => {
    await t.publish(HELLO_WORKFLOW.replace('id: hello', 'id: hello-two'));
    await batch([{ inputs: { name: 'x' }, idempotency_key: 'shared-key' }]);
    const response = await batch([{ inputs: { name: 'x' }, idempotency_key: 'shared-key' }, { inputs: { name: 'y' }, idempotency_key: '' }, { inputs: { name: 'z' } }], { workflowId: 'hello-two' });
    const [conflict, badKey, ok] = response.body.data as BatchItem[];
    assert.equal(conflict!.error?.error, 'idempotency_conflict');
    assert.equal(badKey!.error?.error, 'invalid_request');
    assert.equal(ok!.status, 'QUEUED');
  });

  it('counts every accepted item exactly: daily limit 5, a batch of 8 → 5 created, 3 daily_run_limit_exceeded', async () => {
    const ws = await t.newWorkspace({ dailyRunLimit: 5 });
    await t.publish(HELLO_WORKFLOW, ws.workspaceId);
    const response = await batch(Array.from({ length: 8 }, (_, i) => (i === 1 ? { inputs: {} } : { inputs: { name: `n${i}` } })), { token: ws.token });
    const data = response.body.data as BatchItem[];
    assert.deepEqual(data.map((item) => item.error?.error ?? item.status), [
      'QUEUED', 'invalid_inputs', 'QUEUED', 'QUEUED', 'QUEUED', 'QUEUED', 'daily_run_limit_exceeded', 'daily_run_limit_exceeded',
    ]);
    // A replayed key is never refused by the limit; a new run is.
    const single = await t.api('POST', '/workflows/hello/runs', { token: ws.token, body: { inputs: { name: 'more' } } });
    assertError(single, 429, 'daily_run_limit_exceeded');
  });

  it('keeps the concurrent limit exact, also with concurrent batches and replays', async () => {
    const ws = await t.newWorkspace({ concurrentRunLimit: 4 });
    await t.publish(HELLO_WORKFLOW, ws.workspaceId);
    const first = await batch([{ inputs: { name: 'a' }, idempotency_key: 'c1' }], { token: ws.token });
    const answers = await Promise.all(Array.from({ length: 3 }, (_, j) =>
      batch([{ inputs: { name: 'a' }, idempotency_key: 'c1' }, ...Array.from({ length: 3 }, (_, i) => ({ inputs: { name: `b${j}-${i}` } }))], { token: ws.token })));
    const items = answers.flatMap((answer) => answer.body.data as BatchItem[]);
    assert.equal(items.filter((item) => item.replayed === true && item.run_id === (first.body.data as BatchItem[])[0]!.run_id).length, 3);
    assert.equal(items.filter((item) => item.status === 'QUEUED' && !item.replayed).length, 3);
    assert.equal(items.filter((item) => item.error?.error === 'concurrent_run_limit_exceeded').length, 6);
  });

  it('answers body-level problems for the whole request, as the single create does', async () => {
    assertError(await batch(Array.from({ length: 1001 }, () => ({ inputs: { name: 'x' } }))), 400, 'invalid_request');
    assertError(await batch([]), 400, 'invalid_request');
    assertError(await t.api('POST', '/workflows/hello/runs/batch', { body: { inputs: {} } }), 400, 'invalid_request');
    assertError(await batch([{ inputs: { name: 'x' } }], { workflowId: 'no-such-workflow' }), 404, 'not_found');
  });

  it('takes 1,000 items in one request', async () => {
    const response = await batch(Array.from({ length: 1000 }, (_, i) => ({ inputs: { name: `bulk${i}` }, idempotency_key: `bulk-${i % 900}` })));
    assert.equal(response.status, 200);
    const data = response.body.data as BatchItem[];
    assert.equal(data.length, 1000);
    assert.equal(data.filter((item) => item.status === 'QUEUED' && !item.replayed).length, 900);
    assert.equal(data.filter((item) => item.replayed).length, 100);
    for (let i = 900; i < 1000; i++) assert.equal(data[i]!.run_id, data[i - 900]!.run_id);
  });

  it('the TS client sends a batch and gets the items back in order', async () => {
    const client = createSlipwayClient({ baseUrl: t.url, token: t.token });
    const { data } = await client.createRunBatch('hello', [{ inputs: { name: 'c1' } }, { inputs: {} }]);
    assert.equal(data.length, 2);
    assert.ok('run_id' in data[0]! && data[0].status === 'QUEUED');
    assert.ok('error' in data[1]! && data[1].error.error === 'invalid_inputs');
  });

  it('`slipway run <workflowId> --batch file.jsonl` creates one run per line over HTTP', async () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'runs.jsonl');
      writeFileSync(file, [
        JSON.stringify({ inputs: { name: 'cli-a' }, idempotency_key: 'cli-key' }),
        '',
        JSON.stringify({ inputs: { name: 'cli-b' }, idempotency_key: 'cli-key' }),
        JSON.stringify({ inputs: { wrong: 1 } }),
      ].join('\n'));
      const result = await runCli(['run', 'hello', '--batch', file], { SLIPWAY_URL: t.url, SLIPWAY_TOKEN: t.token });
      assert.equal(result.code, 1, result.stderr);
      const lines = result.stdout.trim().split('\n');
      assert.equal(lines.length, 3);
      const [runId] = lines[0]!.split(' ');
      assert.equal(lines[0], `${runId} QUEUED`);
      assert.equal(lines[1], `${runId} QUEUED replayed`);
      assert.match(lines[2]!, /^line 4: invalid_inputs: /);
      assert.match(result.stderr, /1 of 3 runs refused/);
      const run = await t.api('GET', `/workflow-runs/${runId}?include=details`);
      assert.deepEqual(run.body.trigger, { type: 'batch' });
    } finally {
      dir.remove();
    }
  });
});
