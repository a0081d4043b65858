import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError } from './support/assert-error.js';
import { HELLO_WORKFLOW, startTestServer, testBackends, type TestServer } from './support/test-server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

for (const backend of testBackends()) describe(`runs: create, get, cancel (SPEC §3, §4) [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 2 });
    await t.publish(HELLO_WORKFLOW);
  });
  after(() => t.close());

  it('creates a QUEUED run with the Slate response shape and runs it to COMPLETED', async () => {
    const created = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'Ada' }, metadata: { source: 'test' } } });
    assert.equal(created.status, 202);
    assert.match(created.body.run_id, UUID);
    assert.deepEqual(created.body, {
      run_id: created.body.run_id,
      status: 'QUEUED',
      workspace_id: null,
      workflow_execution_id: null,
      status_url: `/workflow-service/api/public/v1/workflow-runs/${created.body.run_id}`,
    });
    const run = await t.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED']);
    assert.equal(run.status, 'COMPLETED');
    assert.equal(run.output, 'Hello, Ada');
    assert.equal(run.error, null);
    assert.equal(run.workflow_id, 'hello');
    assert.equal(run.workspace_id, t.workspaceId);
    assert.equal(typeof run.workflow_execution_id, 'string');
    assert.deepEqual(run.metadata, { source: 'test' });
    for (const key of ['created_at', 'updated_at', 'completed_at'] as const) assert.match(run[key] as string, ISO_MS);
    const status = await t.api('GET', created.body.status_url.replace('/workflow-service/api/public/v1', ''));
    assert.equal(status.status, 200);
  });
});

const TYPED_WORKFLOW = `
id: typed
name: Typed inputs
inputs:
  - { variableName: text, type: text, required: true }
  - { variableName: area, type: textarea }
  - { variableName: num, type: number }
  - { variableName: int, type: integer }
  - { variableName: flag, type: boolean }
  - { variableName: site, type: url }
  - { variableName: mail, type: email }
  - { variableName: pick, type: select, options: [red, { label: Green, value: green }] }
  - { variableName: picks, type: multiselect, options: [a, b, c] }
  - { variableName: day, type: date }
  - { variableName: blob, type: json }
  - { variableName: withDefault, type: text, default: fallback }
steps:
  - { id: echo, type: transform, with: { value: "{{ inputs }}" } }
`;


for (const backend of testBackends()) describe(`create run: validation and bad input (SPEC §3) [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 1 });
    await t.publish(HELLO_WORKFLOW);
    await t.publish(TYPED_WORKFLOW);
  });
  after(() => t.close());

  it('accepts every input type and fills defaults', async () => {
    const inputs = {
      text: 't', area: 'long\ntext', num: 1.5, int: 2, flag: false, site: 'https://example.com/x', mail: 'a@b.co',
      pick: 'green', picks: ['a', 'c'], day: '2026-01-27', blob: { any: ['thing', 1] },
    };
    const created = await t.api('POST', '/workflows/typed/runs', { body: { inputs } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const run = await t.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED']);
    assert.deepEqual(run.output, { ...inputs, withDefault: 'fallback' });
  });

  it('answers invalid_inputs with details naming each field', async () => {
    const response = await t.api('POST', '/workflows/typed/runs', {
      body: {
        inputs: {
          num: '1', int: 1.5, flag: 'yes', site: 'not a url', mail: 'nope', pick: 'blue', picks: ['a', 'z'], day: '27/01/2026', extra: 1,
        },
      },
    });
    assertError(response, 400, 'invalid_inputs');
    const paths = response.body.details.map((d: any) => d.path).sort();
    assert.deepEqual(paths, [
      'inputs.day', 'inputs.extra', 'inputs.flag', 'inputs.int', 'inputs.mail', 'inputs.num', 'inputs.pick', 'inputs.picks', 'inputs.site', 'inputs.text',
    ]);
    const byPath = Object.fromEntries(response.body.details.map((d: any) => [d.path, d.message]));
    assert.match(byPath['inputs.text'], /required/);
    assert.match(byPath['inputs.extra'], /not an input/);
    assert.match(byPath['inputs.pick'], /red, green/);
  });

  it('answers invalid_request for a body that is not JSON, lacks inputs, or has a bad inputs/metadata', async () => {
    const json = { 'content-type': 'application/json' };
    assertError(await t.api('POST', '/workflows/hello/runs', { rawBody: '{"inputs": ', headers: json }), 400, 'invalid_request');
    assertError(await t.api('POST', '/workflows/hello/runs', { body: {} }), 400, 'invalid_request');
    assertError(await t.api('POST', '/workflows/hello/runs', { body: { inputs: 'x' } }), 400, 'invalid_request');
    assertError(await t.api('POST', '/workflows/hello/runs', { body: { inputs: [1] } }), 400, 'invalid_request');
    assertError(await t.api('POST', '/workflows/hello/runs', { body: { inputs: null } }), 400, 'invalid_request');
    assertError(await t.api('POST', '/workflows/hello/runs', { body: [] }), 400, 'invalid_request');
    assertError(await t.api('POST', '/workflows/hello/runs', { rawBody: '', headers: json }), 400, 'invalid_request');
    assertError(await t.api('POST', '/workflows/hello/runs'), 400, 'invalid_request');
    assertError(await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'a' }, metadata: 'x' } }), 400, 'invalid_request');
    assertError(await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'a' }, metadata: [] } }), 400, 'invalid_request');
    const big = { inputs: { name: 'a' }, metadata: { blob: 'x'.repeat(16 * 1024) } };
    const tooBig = await t.api('POST', '/workflows/hello/runs', { body: big });
    assertError(tooBig, 400, 'invalid_request');
    assert.match(tooBig.body.message, /metadata/);
    const missing = await t.api('POST', '/workflows/hello/runs', { body: { metadata: {} } });
    assert.ok(missing.body.details.some((d: any) => d.path === 'body.inputs'), JSON.stringify(missing.body));
  });

  it('answers invalid_request for an empty or over-long Idempotency-Key', async () => {
    const body = { inputs: { name: 'a' } };
    assertError(await t.api('POST', '/workflows/hello/runs', { body, headers: { 'idempotency-key': '' } }), 400, 'invalid_request');
    assertError(await t.api('POST', '/workflows/hello/runs', { body, headers: { 'idempotency-key': 'k'.repeat(256) } }), 400, 'invalid_request');
    assert.equal((await t.api('POST', '/workflows/hello/runs', { body, headers: { 'idempotency-key': 'k'.repeat(255) } })).status, 202);
  });

  it('answers 413 payload_too_large over 1 MiB and 415 unsupported_media_type for non-JSON bodies', async () => {
    const huge = JSON.stringify({ inputs: { name: 'x'.repeat(1024 * 1024) } });
    assertError(await t.api('POST', '/workflows/hello/runs', { rawBody: huge, headers: { 'content-type': 'application/json' } }), 413, 'payload_too_large');
    assertError(await t.api('POST', '/workflows/hello/runs', { rawBody: 'inputs=1', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
    assertError(await t.api('POST', '/workflows/hello/runs', { rawBody: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type');
  });

  it('answers 404 not_found for an unknown workflow and 409 workflow_not_published for a draft', async () => {
    assertError(await t.api('POST', '/workflows/nope/runs', { body: { inputs: {} } }), 404, 'not_found');
    await t.services.workflows.applyWorkflow({ workspaceId: t.workspaceId, text: HELLO_WORKFLOW.replace('id: hello', 'id: drafty'), publish: false });
    assertError(await t.api('POST', '/workflows/drafty/runs', { body: { inputs: { name: 'a' } } }), 409, 'workflow_not_published');
  });

  it('answers unknown routes and methods with the error body, and every answer has X-Request-Id', async () => {
    const unknown = await t.api('GET', '/nothing-here');
    assertError(unknown, 404, 'not_found');
    // A known path with another method: 405 with Allow (SPEC §1, issue 19 item 9).
    assertError(await t.api('DELETE', '/workflows'), 405, 'method_not_allowed');
    assertError(await t.api('GET', '//not-the-api', { token: null }), 404, 'not_found');
    const health = await t.api('GET', '//healthz', { token: null });
    assert.equal(health.status, 200);
    assert.ok(health.headers.get('x-request-id'));
    const mine = await t.api('GET', '/workflows', { headers: { 'x-request-id': 'client-chosen-1' } });
    assert.equal(mine.headers.get('x-request-id'), 'client-chosen-1');
  });
});

for (const backend of testBackends()) describe(`idempotency (SPEC §3) [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 0 });
    await t.publish(HELLO_WORKFLOW);
    await t.publish(HELLO_WORKFLOW.replace('id: hello', 'id: other'));
  });
  after(() => t.close());

  it('replays the same key with the same workflow: 202, same run, Idempotent-Replayed: true', async () => {
    const first = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'a' } }, headers: { 'idempotency-key': 'key-1' } });
    assert.equal(first.status, 202);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const again = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'a' } }, headers: { 'idempotency-key': 'key-1' } });
    assert.equal(again.status, 202);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.body, first.body);
    const { total } = await t.server.store.listRuns(t.workspaceId, { page: 1, limit: 100 });
    assert.equal(total, 1);
  });

  it('answers 409 idempotency_conflict for the key on another workflow', async () => {
    await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'a' } }, headers: { 'idempotency-key': 'key-2' } });
    assertError(await t.api('POST', '/workflows/other/runs', { body: { inputs: { name: 'a' } }, headers: { 'idempotency-key': 'key-2' } }), 409, 'idempotency_conflict');
  });

  it('scopes keys to the workspace', async () => {
    const other = await t.newWorkspace();
    await t.publish(HELLO_WORKFLOW, other.workspaceId);
    const mine = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'a' } }, headers: { 'idempotency-key': 'shared' } });
    const theirs = await t.api('POST', '/workflows/hello/runs', { token: other.token, body: { inputs: { name: 'a' } }, headers: { 'idempotency-key': 'shared' } });
    assert.equal(theirs.status, 202);
    assert.equal(theirs.headers.get('idempotent-replayed'), null);
    assert.notEqual(theirs.body.run_id, mine.body.run_id);
  });

  it('creates exactly one run when 20 requests with one key arrive at once', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'burst' } }, headers: { 'idempotency-key': 'burst-key' } })),
    );
    assert.ok(responses.every((r) => r.status === 202));
    assert.equal(new Set(responses.map((r) => r.body.run_id)).size, 1);
    assert.equal(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true').length, 19);
    const runs = await t.server.store.listRuns(t.workspaceId, { page: 1, limit: 100 });
    assert.equal(runs.items.filter((r) => r.idempotencyKey === 'burst-key').length, 1);
  });

  it('returns the current status of a replayed run', async () => {
    const first = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'a' } }, headers: { 'idempotency-key': 'key-3' } });
    await t.api('POST', `/workflow-runs/${first.body.run_id}/cancel`);
    const again = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'a' } }, headers: { 'idempotency-key': 'key-3' } });
    assert.equal(again.status, 202);
    assert.equal(again.body.status, 'CANCELED');
  });
});

for (const backend of testBackends()) describe(`run limits (SPEC §3) [${backend}]`, () => {
  let t: TestServer;
  let now = Date.parse('2026-03-10T22:00:00.000Z');
  before(async () => {
    t = await startTestServer({ backend, concurrency: 0, clock: { now: () => now } });
  });
  after(() => t.close());

  it('accepts exactly 3 of a burst of 20 over a concurrent limit of 3, with Retry-After on the rest', async () => {
    const ws = await t.newWorkspace({ concurrentRunLimit: 3 });
    await t.publish(HELLO_WORKFLOW, ws.workspaceId);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.api('POST', '/workflows/hello/runs', { token: ws.token, body: { inputs: { name: `n${i}` } } })),
    );
    const accepted = responses.filter((r) => r.status === 202);
    const refused = responses.filter((r) => r.status === 429);
    assert.equal(accepted.length, 3);
    assert.equal(refused.length, 17);
    for (const r of refused) {
      assert.equal(r.body.error, 'concurrent_run_limit_exceeded');
      assert.match(r.headers.get('retry-after') ?? '', /^\d+$/);
    }
    // canceling one frees a slot
    await t.api('POST', `/workflow-runs/${accepted[0]!.body.run_id}/cancel`, { token: ws.token });
    assert.equal((await t.api('POST', '/workflows/hello/runs', { token: ws.token, body: { inputs: { name: 'x' } } })).status, 202);
    assert.equal((await t.api('POST', '/workflows/hello/runs', { token: ws.token, body: { inputs: { name: 'y' } } })).status, 429);
  });

  it('enforces the daily limit per UTC day, with Retry-After until midnight UTC', async () => {
    const ws = await t.newWorkspace({ dailyRunLimit: 5 });
    await t.publish(HELLO_WORKFLOW, ws.workspaceId);
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => t.api('POST', '/workflows/hello/runs', { token: ws.token, body: { inputs: { name: `n${i}` } } })),
    );
    assert.equal(responses.filter((r) => r.status === 202).length, 5);
    const refused = responses.find((r) => r.status === 429)!;
    assert.equal(refused.body.error, 'daily_run_limit_exceeded');
    assert.equal(refused.headers.get('retry-after'), String(2 * 3600)); // 22:00 → 00:00 UTC
    // canceled runs still count for the day
    for (const r of responses.filter((x) => x.status === 202)) await t.api('POST', `/workflow-runs/${r.body.run_id}/cancel`, { token: ws.token });
    assert.equal((await t.api('POST', '/workflows/hello/runs', { token: ws.token, body: { inputs: { name: 'z' } } })).status, 429);
    now = Date.parse('2026-03-11T00:00:00.000Z');
    assert.equal((await t.api('POST', '/workflows/hello/runs', { token: ws.token, body: { inputs: { name: 'z' } } })).status, 202);
  });

  it('never refuses a replayed idempotent request because of a limit', async () => {
    const ws = await t.newWorkspace({ concurrentRunLimit: 1, dailyRunLimit: 1 });
    await t.publish(HELLO_WORKFLOW, ws.workspaceId);
    const first = await t.api('POST', '/workflows/hello/runs', { token: ws.token, body: { inputs: { name: 'a' } }, headers: { 'idempotency-key': 'k' } });
    assert.equal(first.status, 202);
    const replay = await t.api('POST', '/workflows/hello/runs', { token: ws.token, body: { inputs: { name: 'a' } }, headers: { 'idempotency-key': 'k' } });
    assert.equal(replay.status, 202);
    assert.equal(replay.body.run_id, first.body.run_id);
    assert.equal((await t.api('POST', '/workflows/hello/runs', { token: ws.token, body: { inputs: { name: 'a' } } })).status, 429);
  });
});

for (const backend of testBackends()) describe(`cancel (SPEC §3, §4) [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 0 });
    await t.publish(HELLO_WORKFLOW);
  });
  after(() => t.close());

  it('cancels a QUEUED run, which then never starts; a second cancel is 409 not_cancelable', async () => {
    const created = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'a' } } });
    const canceled = await t.api('POST', `/workflow-runs/${created.body.run_id}/cancel`);
    assert.equal(canceled.status, 200);
    assert.deepEqual(Object.keys(canceled.body).sort(), ['completed_at', 'run_id', 'status']);
    assert.equal(canceled.body.status, 'CANCELED');
    assertError(await t.api('POST', `/workflow-runs/${created.body.run_id}/cancel`), 409, 'not_cancelable');
    const run = (await t.api('GET', `/workflow-runs/${created.body.run_id}`)).body;
    assert.equal(run.status, 'CANCELED');
    assert.equal(run.completed_at, canceled.body.completed_at);
    assert.equal(run.workspace_id, null);
    // a worker looking for work now finds nothing
    const claimed = await t.server.store.claimRuns({ workerId: 'w', limit: 10, leaseMs: 1000, now: Date.now(), newExecutionId: () => 'e' });
    assert.deepEqual(claimed, []);
  });

  it('answers 409 once a worker has claimed the run', async () => {
    const created = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'a' } } });
    const [claimed] = await t.server.store.claimRuns({ workerId: 'w', limit: 1, leaseMs: 60_000, now: Date.now(), newExecutionId: () => 'exec-1' });
    assert.equal(claimed!.id, created.body.run_id);
    const response = await t.api('POST', `/workflow-runs/${created.body.run_id}/cancel`);
    assertError(response, 409, 'not_cancelable');
    assert.match(response.body.message, /STARTING/);
    const run = (await t.api('GET', `/workflow-runs/${created.body.run_id}`)).body;
    assert.equal(run.status, 'STARTING');
    assert.equal(run.workspace_id, t.workspaceId);
    assert.equal(run.workflow_execution_id, 'exec-1');
  });

  it('never lets a run be both canceled and started when cancel races a claim', async () => {
    for (let i = 0; i < 30; i++) {
      const created = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: `r${i}` } } });
      const [cancel, claimed] = await Promise.all([
        t.api('POST', `/workflow-runs/${created.body.run_id}/cancel`),
        t.server.store.claimRuns({ workerId: 'racer', limit: 1, leaseMs: 60_000, now: Date.now(), newExecutionId: () => `e${i}` }),
      ]);
      const run = (await t.api('GET', `/workflow-runs/${created.body.run_id}`)).body;
      if (cancel.status === 200) {
        assert.equal(claimed.length, 0);
        assert.equal(run.status, 'CANCELED');
      } else {
        assert.equal(cancel.status, 409);
        assert.equal(claimed[0]!.id, created.body.run_id);
        assert.equal(run.status, 'STARTING');
      }
    }
  });

  it('answers 404 for an unknown run', async () => {
    assertError(await t.api('POST', '/workflow-runs/00000000-0000-7000-8000-000000000000/cancel'), 404, 'not_found');
    assertError(await t.api('GET', '/workflow-runs/not-a-uuid'), 404, 'not_found');
  });

  it('accepts a cancel sent with Content-Type: application/json and an empty body', async () => {
    const created = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'a' } } });
    const response = await t.api('POST', `/workflow-runs/${created.body.run_id}/cancel`, { rawBody: '', headers: { 'content-type': 'application/json' } });
    assert.equal(response.status, 200);
  });
});

for (const backend of testBackends()) describe(`unexpected failures [${backend}]`, () => {
  it('answers 500 internal_error without leaking internals', async () => {
    const t = await startTestServer({ backend, concurrency: 0 });
    await t.publish(HELLO_WORKFLOW);
    const created = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'a' } } });
    // Break the database under the running server.
    const store = t.server.store as unknown as { getRun: unknown };
    store.getRun = async () => {
      throw new Error('SQLITE_IOERR: secret path /var/lib/slipway/db');
    };
    const response = await t.api('GET', `/workflow-runs/${created.body.run_id}`);
    assertError(response, 500, 'internal_error');
    assert.doesNotMatch(JSON.stringify(response.body), /SQLITE|secret|\/var/);
    await t.close();
  });
});
