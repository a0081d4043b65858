import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

const VALUE = 'sk-live-9f8e7d6c5b4a';
const KEY = 'a'.repeat(64);

const CALLER = (peer: string) => `
id: caller
name: Caller
inputs:
  - { variableName: note, type: text }
steps:
  - id: call
    type: http
    with:
      url: "${peer}/echo?note={{ inputs.note }}"
      method: POST
      headers: { Authorization: "Bearer {{ secrets.API_KEY }}", X-Note: "{{ inputs.note }}" }
      body: { key: "{{ secrets.API_KEY }}" }
  - id: shape
    type: transform
    with: { value: { echoed: "{{ steps.call.output.body }}" } }
output: "{{ steps.shape.output }}"
`;

const MISSING = (peer: string) => `
id: missing
name: Missing
steps:
  - id: call
    type: http
    retry: { maxAttempts: 3, delay: 10ms }
    with: { url: "${peer}/echo", headers: { Authorization: "{{ secrets.NOT_SET }}" } }
`;

/** Every byte of the SQLite files, or every row of every table as text on PostgreSQL. */
async function databaseText(t: TestServer): Promise<string> {
  if (t.databaseUrl.startsWith('sqlite:')) {
    const dir = dirname(t.databaseUrl.slice('sqlite:'.length));
    return readdirSync(dir).filter((f) => f.startsWith('slipway.db')).map((f) => readFileSync(join(dir, f)).toString('latin1')).join('\n');
  }
  const client = new pg.Client({ connectionString: t.databaseUrl });
  await client.connect();
  try {
    const tables = (await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)).rows.map((r) => r.tablename as string);
    const parts: string[] = [];
    for (const table of tables) parts.push(...(await client.query(`SELECT t::text AS row FROM "${table}" t`)).rows.map((r) => r.row as string));
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

for (const backend of testBackends()) {
  describe(`secrets [${backend}]`, () => {
    let t: TestServer;
    let peer: HttpPeer;

    before(async () => {
      // The peer echoes the request: a secret that reaches it comes back in the step's output.
      peer = await startHttpPeer((request, response) => {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ authorization: request.headers.authorization ?? null, note: request.headers['x-note'] ?? null, body: request.body }));
      });
      t = await startTestServer({ backend, env: { SLIPWAY_HTTP_ALLOW_PRIVATE: 'true', ...(backend === 'postgres' ? { SLIPWAY_SECRET_KEY: KEY } : {}) } });
    });
    after(async () => {
      await t.close();
      await peer.close();
    });

    it('sets, lists and deletes secrets without ever answering a value', async () => {
      const bad = await t.api('PUT', '/secrets/api-key', { body: { value: VALUE } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.details[0].path, 'params.name');
      const short = await t.api('PUT', '/secrets/SHORT', { body: { value: 'abc' } });
      assert.equal(short.status, 400);
      assert.equal(short.body.details[0].path, 'body.value');
      const put = await t.api('PUT', '/secrets/API_KEY', { body: { value: VALUE } });
      assert.equal(put.status, 200);
      assert.deepEqual(Object.keys(put.body).sort(), ['created_at', 'last_used_at', 'name', 'updated_at']);
      await t.api('PUT', '/secrets/DOOMED_ONE', { body: { value: 'to-be-deleted' } });
      const list = await t.api('GET', '/secrets');
      assert.deepEqual(list.body.data.map((s: { name: string }) => s.name), ['API_KEY', 'DOOMED_ONE']);
      assert.ok(!JSON.stringify(list.body).includes(VALUE));
      assert.equal((await t.api('DELETE', '/secrets/DOOMED_ONE')).status, 204);
      assert.equal((await t.api('DELETE', '/secrets/DOOMED_ONE')).status, 404);
    });

    it('gives the value to the step, keeps the placeholder in the checkpoint and masks it everywhere else', async () => {
      await t.publish(CALLER(peer.url));
      const created = await t.api('POST', '/workflows/caller/runs', { body: { inputs: { note: '{{ secrets.API_KEY }}' } } });
      const run = await t.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED']);
      assert.equal(run.status, 'COMPLETED', JSON.stringify(run.error));
      const received = peer.requests.find((r) => r.path === '/echo')!;
      assert.equal(received.headers.authorization, `Bearer ${VALUE}`, 'the value reaches the peer');
      assert.deepEqual(JSON.parse(received.body), { key: VALUE });
      // A placeholder typed into an input is text, never resolved.
      assert.equal(received.headers['x-note'], '{{ secrets.API_KEY }}');
      assert.equal(received.query.get('note'), '{{ secrets.API_KEY }}');
      assert.equal(run.output.echoed.authorization, 'Bearer ****');
      assert.equal(run.output.echoed.body, JSON.stringify({ key: '****' }));
      const steps = await t.api('GET', `/workflow-runs/${run.run_id}/steps`);
      const call = steps.body.data.find((s: { id: string }) => s.id === 'call');
      assert.equal(call.input?.headers?.Authorization ?? (await t.api('GET', `/workflow-runs/${run.run_id}/steps/call`)).body.input.headers.Authorization, 'Bearer {{ secrets.API_KEY }}');
      for (const path of [`/workflow-runs/${run.run_id}`, `/workflow-runs/${run.run_id}?include=details`, `/workflow-runs/${run.run_id}/steps`, `/workflow-runs/${run.run_id}/steps/call`, '/workflow-runs', '/secrets']) {
        const answer = await t.api('GET', path);
        assert.equal(answer.status, 200, path);
        assert.ok(!JSON.stringify(answer.body).includes(VALUE), `${path} must not contain the value`);
      }
      const events = await t.api('GET', `/workflow-runs/${run.run_id}/events`, { headers: { accept: 'text/event-stream' } });
      assert.equal(events.status, 200);
      assert.match(String(events.body), /step\.completed/);
      assert.ok(!String(events.body).includes(VALUE), 'the event stream must not contain the value');
      assert.ok(!(await databaseText(t)).includes(VALUE), 'the database holds no clear value');
      const used = await t.api('GET', '/secrets');
      assert.ok(used.body.data.find((s: { name: string }) => s.name === 'API_KEY').last_used_at);
    });

    it('fails a step whose secret is missing with SECRET_NOT_FOUND, without retrying, also for another workspace', async () => {
      await t.publish(MISSING(peer.url));
      const created = await t.api('POST', '/workflows/missing/runs', { body: { inputs: {} } });
      const run = await t.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED']);
      assert.equal(run.status, 'FAILED');
      const steps = await t.api('GET', `/workflow-runs/${run.run_id}/steps`);
      const call = steps.body.data.find((s: { id: string }) => s.id === 'call');
      assert.equal(call.error.code, 'SECRET_NOT_FOUND');
      assert.equal(call.attempts, 1);

      const other = await t.newWorkspace();
      await t.publish(CALLER(peer.url), other.workspaceId);
      const theirs = await t.api('POST', '/workflows/caller/runs', { body: { inputs: { note: 'x' } }, token: other.token });
      const failed = await t.waitForStatus(theirs.body.run_id, ['COMPLETED', 'FAILED'], other.token);
      assert.equal(failed.status, 'FAILED');
      assert.match(failed.error.message, /API_KEY is not set/);
    });

    it('refuses secrets outside http and llm `with`, and non-literal forms, at apply with line and column', async () => {
      const cases: [string, RegExp][] = [
        ['steps:\n  - { id: a, type: transform, with: { value: "{{ secrets.API_KEY }}" } }\n', /steps\[0\]\.with\.value/],
        ['steps:\n  - { id: a, type: transform, with: { value: 1 } }\noutput: "{{ secrets.API_KEY }}"\n', /^output$/],
        ['steps:\n  - { id: a, type: transform, if: "{{ secrets.API_KEY = \'x\' }}", with: { value: 1 } }\n', /steps\[0\]\.if/],
        ['steps:\n  - { id: a, type: http, with: { url: "https://example.com/{{ $lowercase(secrets.API_KEY) }}" } }\n', /steps\[0\]\.with\.url/],
      ];
      for (const [body, path] of cases) {
        const response = await t.api('PUT', '/workflows/bad-secret?publish=true', { rawBody: `id: bad-secret\nname: Bad\n${body}`, headers: { 'content-type': 'application/yaml' } });
        assert.equal(response.status, 400, body);
        assert.equal(response.body.error, 'invalid_definition');
        const detail = response.body.details.find((d: { path: string }) => path.test(d.path));
        assert.ok(detail, `${body}: ${JSON.stringify(response.body.details)}`);
        assert.ok(Number.isInteger(detail.line) && Number.isInteger(detail.column), JSON.stringify(detail));
      }
    });

    if (backend === 'sqlite') {
      it('creates the key file beside the database with mode 0600', () => {
        const path = join(dirname(t.databaseUrl.slice('sqlite:'.length)), 'secret.key');
        assert.equal(statSync(path).mode & 0o777, 0o600);
        assert.match(readFileSync(path, 'utf8').trim(), /^[0-9a-f]{64}$/);
      });
    } else {
      it('answers 409 secrets_not_configured on PostgreSQL without SLIPWAY_SECRET_KEY', async () => {
        const keyless = await startTestServer({ backend, concurrency: 0 });
        try {
          const response = await keyless.api('PUT', '/secrets/API_KEY', { body: { value: VALUE } });
          assert.equal(response.status, 409);
          assert.equal(response.body.error, 'secrets_not_configured');
        } finally {
          await keyless.close();
        }
      });
    }
  });
}
