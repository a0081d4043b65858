import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { createSlipwayClient } from '../src/client/slipway-client.js';
import { defineStepType, type StepType } from '../src/steps/step-type.js';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

/** A host step that writes two log lines, one carrying the secret it was given. */
const noteStep = defineStepType({
  type: 'note',
  description: 'Logs what it is given.',
  input: Type.Object({ token: Type.String() }, { additionalProperties: false }),
  secretFields: 'all',
  idempotent: true,
  async run(input, ctx) {
    ctx.log('info', 'starting the note', { count: 2 });
    ctx.log('debug', `using token ${input.token}`);
    return { kind: 'completed', output: { ok: true } };
  },
});

const SECRET = 'sk-live-very-secret-4711';
const KEY = 'ab'.repeat(32);

for (const backend of testBackends()) describe(`step logs (SPEC §17) [${backend}]`, () => {
  let t: TestServer;
  let target: Server;
  let targetUrl: string;
  before(async () => {
    target = createServer((request, response) => response.writeHead(request.url === '/ok' ? 200 : 503).end('{}'));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    t = await startTestServer({
      backend,
      concurrency: 2,
      env: { SLIPWAY_HTTP_ALLOW_PRIVATE: 'true', SLIPWAY_SECRET_KEY: KEY, SLIPWAY_MAX_LOG_LINES: '6' },
      extraStepTypes: [noteStep] as StepType[],
    });
    await t.services.secrets.putSecret(t.workspaceId, 'API_TOKEN', SECRET);
    await t.publish(`
id: logged
name: Logged
steps:
  - id: fetch
    type: http
    with: { url: "${targetUrl}/ok" }
  - id: note
    type: note
    needs: [fetch]
    with: { token: "{{ secrets.API_TOKEN }}" }
  - id: flaky
    type: http
    needs: [note]
    retry: { maxAttempts: 3, backoff: fixed, delay: 10ms }
    with: { url: "${targetUrl}/down" }
`);
  });
  after(async () => {
    await t?.close();
    target?.close();
  });

  it('keeps the http request line and status, ctx.log lines masked, retries; pages and caps per run', async () => {
    const created = await t.api('POST', '/workflows/logged/runs', { body: { inputs: {} } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const runId = created.body.run_id as string;
    const run = await t.waitForStatus(runId, ['COMPLETED', 'FAILED'], undefined, 60_000);
    assert.equal(run.status, 'FAILED', 'the flaky step fails for good');

    const all = await t.api('GET', `/workflow-runs/${runId}/logs`);
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const lines = all.body.data as { seq: number; step_id: string; attempt: number; level: string; message: string; fields: unknown; at: string }[];
    assert.deepEqual(lines.map((l) => l.seq), [1, 2, 3, 4, 5, 6], 'numbered from 1 and capped at SLIPWAY_MAX_LOG_LINES');
    assert.deepEqual(lines.slice(0, 2).map((l) => [l.step_id, l.level, l.message]), [['fetch', 'info', `GET ${targetUrl}/ok`], ['fetch', 'info', '200 OK']]);
    assert.deepEqual(lines[2], { ...lines[2], step_id: 'note', attempt: 1, level: 'info', message: 'starting the note', fields: { count: 2 } });
    assert.equal(lines[3]!.message, 'using token ****', 'the secret value is masked');
    assert.ok(!JSON.stringify(all.body).includes(SECRET));
    assert.deepEqual(lines.slice(4).map((l) => [l.step_id, l.message]), [['flaky', `GET ${targetUrl}/down`], ['flaky', '503 Service Unavailable']]);
    assert.match(lines[0]!.at, /^\d{4}-\d\d-\d\dT/);

    const page = await t.api('GET', `/workflow-runs/${runId}/logs?after=2&limit=2`);
    assert.deepEqual(page.body.data.map((l: { seq: number }) => l.seq), [3, 4]);
    const ofStep = await t.api('GET', `/workflow-runs/${runId}/logs?step_id=note`);
    assert.deepEqual(ofStep.body.data.map((l: { seq: number }) => l.seq), [3, 4]);
    assert.equal((await t.api('GET', '/workflow-runs/00000000-0000-7000-8000-000000000000/logs')).status, 404);
  });

  it('logs each retry of a failing step', async () => {
    await t.publish(`
id: retrying
name: Retrying
steps:
  - id: flaky
    type: http
    retry: { maxAttempts: 2, backoff: fixed, delay: 10ms }
    with: { url: "${targetUrl}/down" }
`);
    const created = await t.api('POST', '/workflows/retrying/runs', { body: { inputs: {} } });
    await t.waitForStatus(created.body.run_id, ['FAILED'], undefined, 60_000);
    const client = createSlipwayClient({ baseUrl: t.url, token: t.token });
    const { data } = await client.getRunLogs(created.body.run_id);
    assert.deepEqual(data.map((l) => [l.attempt, l.level]), [[1, 'info'], [1, 'warn'], [1, 'warn'], [2, 'info'], [2, 'warn'], [2, 'error']]);
    assert.match(data[2]!.message, /^attempt 1 failed \(STEP_FAILED\); retrying at \d{4}-/);
    assert.match(data[5]!.message, /^attempt 2 failed \(STEP_FAILED\); no retry left$/);
  });
});
