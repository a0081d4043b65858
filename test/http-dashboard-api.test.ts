import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HELLO_WORKFLOW, startTestServer, testBackends, type TestServer } from './support/test-server.js';

/** The API extensions the dashboard uses: run listing and details, workflow versions, tokens. */

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

for (const backend of testBackends()) describe(`dashboard API: GET /workflow-runs and ?include=details [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    // No run slots: runs stay QUEUED, so statuses are exactly what the test made them.
    t = await startTestServer({ backend, concurrency: 0 });
    await t.publish(HELLO_WORKFLOW);
    await t.publish(HELLO_WORKFLOW.replace('id: hello', 'id: other').replace('name: Hello', 'name: Other'));
  });
  after(() => t.close());

  it('lists runs newest first with inputs, filters by workflow and status, and pages', async () => {
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      const created = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name } } });
      assert.equal(created.status, 202);
      ids.push(created.body.run_id);
    }
    const otherRun = await t.api('POST', '/workflows/other/runs', { body: { inputs: { name: 'z' } } });
    assert.equal((await t.api('POST', `/workflow-runs/${ids[0]}/cancel`)).status, 200);

    const all = await t.api('GET', '/workflow-runs');
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.data.map((r: { run_id: string }) => r.run_id), [otherRun.body.run_id, ids[2], ids[1], ids[0]]);
    assert.deepEqual(all.body.pagination, { page: 1, limit: 15, total: 4, totalPages: 1 });
    const first = all.body.data[1];
    assert.deepEqual(first.inputs, { name: 'c' });
    assert.equal(first.workflow_version, null);
    assert.equal(first.started_at, null);
    assert.match(first.created_at, ISO_MS);

    const hello = await t.api('GET', '/workflow-runs?workflow_id=hello');
    assert.equal(hello.body.pagination.total, 3);
    const canceled = await t.api('GET', '/workflow-runs?workflow_id=hello&status=CANCELED');
    assert.deepEqual(canceled.body.data.map((r: { run_id: string }) => r.run_id), [ids[0]]);
    const page2 = await t.api('GET', '/workflow-runs?limit=2&page=2');
    assert.deepEqual(page2.body.data.map((r: { run_id: string }) => r.run_id), [ids[1], ids[0]]);
    assert.deepEqual(page2.body.pagination, { page: 2, limit: 2, total: 4, totalPages: 2 });
    const past = await t.api('GET', '/workflow-runs?page=9');
    assert.deepEqual(past.body.data, []);
  });

  it('answers 400 with details for bad filters', async () => {
    for (const qs of ['status=DONE', 'limit=0', 'limit=101', 'page=0', 'bogus=1']) {
      const response = await t.api('GET', `/workflow-runs?${qs}`);
      assert.equal(response.status, 400, qs);
      assert.equal(response.body.error, 'invalid_request', qs);
      assert.ok(response.body.details.length > 0, qs);
    }
  });

  it('shows only the caller\'s workspace', async () => {
    const other = await t.newWorkspace();
    const response = await t.api('GET', '/workflow-runs', { token: other.token });
    assert.deepEqual(response.body.data, []);
    assert.equal((await t.api('GET', '/workflow-runs', { token: null })).status, 401);
  });

  it('keeps GET /workflow-runs/{id} as Slate has it, and adds details only when asked', async () => {
    const created = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'Ada' } } });
    const plain = await t.api('GET', `/workflow-runs/${created.body.run_id}`);
    assert.deepEqual(Object.keys(plain.body).sort(), [
      'completed_at', 'created_at', 'error', 'metadata', 'output', 'run_id', 'status', 'updated_at', 'workflow_execution_id', 'workflow_id', 'workspace_id',
    ]);
    const detailed = await t.api('GET', `/workflow-runs/${created.body.run_id}?include=details`);
    assert.equal(detailed.status, 200);
    assert.deepEqual(detailed.body.inputs, { name: 'Ada' });
    assert.equal(detailed.body.workflow_version, null);
    assert.equal(detailed.body.status, 'QUEUED');
    assert.equal((await t.api('GET', `/workflow-runs/${created.body.run_id}?include=everything`)).status, 400);
    // Unknown parameters stay ignored on the Slate endpoint, as before the extension.
    const cacheBusted = await t.api('GET', `/workflow-runs/${created.body.run_id}?_=123`);
    assert.equal(cacheBusted.status, 200);
    assert.equal(cacheBusted.body.inputs, undefined);
  });
});

for (const backend of testBackends()) describe(`dashboard API: a started run's details [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 1 });
    await t.publish(HELLO_WORKFLOW);
  });
  after(() => t.close());

  it('carries the pinned version and start time once a worker ran it', async () => {
    const created = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'Ada' } } });
    await t.waitForStatus(created.body.run_id, ['COMPLETED']);
    const detailed = await t.api('GET', `/workflow-runs/${created.body.run_id}?include=details`);
    assert.equal(detailed.body.workflow_version, 1);
    assert.match(detailed.body.started_at, ISO_MS);
    assert.ok(detailed.body.started_at <= detailed.body.completed_at);
  });
});

for (const backend of testBackends()) describe(`dashboard API: GET /workflows/{id}/versions [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 0 });
  });
  after(() => t.close());

  it('lists published versions newest first and marks the default', async () => {
    await t.publish(HELLO_WORKFLOW);
    await t.publish(HELLO_WORKFLOW.replace('required: true', 'required: false'));
    const response = await t.api('GET', '/workflows/hello/versions');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.data.map((v: { version: number; isDefault: boolean }) => [v.version, v.isDefault]), [[2, true], [1, false]]);
    assert.equal(response.body.data[0].stepCount, 1);
    assert.equal(response.body.data[0].inputSchema[0].required, false);
    assert.equal(response.body.data[1].inputSchema[0].required, true);
    assert.match(response.body.data[0].createdAt, ISO_MS);
  });

  it('answers 404 for an unknown workflow or one of another workspace', async () => {
    const other = await t.newWorkspace();
    assert.equal((await t.api('GET', '/workflows/nope/versions')).status, 404);
    const foreign = await t.api('GET', '/workflows/hello/versions', { token: other.token });
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error, 'not_found');
  });
});

for (const backend of testBackends()) describe(`dashboard API: tokens [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 0 });
  });
  after(() => t.close());

  it('creates a token shown once, lists it by preview, and revoking it refuses it at once', async () => {
    const created = await t.api('POST', '/tokens', { body: { name: 'ci', expires: '30d' } });
    assert.equal(created.status, 201);
    const token: string = created.body.token;
    assert.match(token, /^slat_[0-9A-Za-z]{43}$/);
    assert.equal(created.body.preview, `${token.slice(0, 12)}...${token.slice(-4)}`);
    assert.equal(created.body.name, 'ci');
    assert.equal(created.body.created_by, 'token "test" (' + t.token.slice(0, 12) + '...' + t.token.slice(-4) + ')');
    assert.equal(Date.parse(created.body.expires_at) - Date.parse(created.body.created_at), 30 * 86_400_000);
    assert.equal(created.body.revoked_at, null);
    assert.equal(created.body.is_current, false);

    // The new token works, and the list never shows a full token.
    const listed = await t.api('GET', '/tokens', { token });
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.data.map((x: { name: string }) => x.name), ['ci', 'test']);
    assert.equal(listed.body.data[0].is_current, true);
    assert.match(listed.body.data[0].last_used_at, ISO_MS);
    assert.ok(!JSON.stringify(listed.body).includes(token));
    assert.ok(!JSON.stringify(listed.body).includes(t.token));

    const revoked = await t.api('POST', `/tokens/${created.body.id}/revoke`);
    assert.equal(revoked.status, 200);
    assert.match(revoked.body.revoked_at, ISO_MS);
    const refused = await t.api('GET', '/workflows', { token });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'unauthorized');

    const again = await t.api('POST', `/tokens/${created.body.id}/revoke`);
    assert.equal(again.status, 200);
    assert.equal(again.body.revoked_at, revoked.body.revoked_at);
  });

  it('creates tokens that never expire', async () => {
    const created = await t.api('POST', '/tokens', { body: { name: 'forever', expires: 'never' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.expires_at, null);
  });

  it('validates the body', async () => {
    for (const body of [{ name: 'x', expires: '1d' }, { name: '', expires: '7d' }, { name: '   ', expires: '7d' }, { expires: '7d' }, { name: 'x' }]) {
      const response = await t.api('POST', '/tokens', { body });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.error, 'invalid_request');
    }
  });

  it('keeps workspaces apart', async () => {
    const other = await t.newWorkspace();
    const created = await t.api('POST', '/tokens', { body: { name: 'mine', expires: '7d' } });
    const foreignList = await t.api('GET', '/tokens', { token: other.token });
    assert.deepEqual(foreignList.body.data.map((x: { name: string }) => x.name), ['test']);
    const foreignRevoke = await t.api('POST', `/tokens/${created.body.id}/revoke`, { token: other.token });
    assert.equal(foreignRevoke.status, 404);
    assert.equal((await t.api('GET', '/workflows', { token: created.body.token })).status, 200);
    assert.equal((await t.api('GET', '/tokens', { token: null })).status, 401);
  });

  it('documents every extension in the OpenAPI document', async () => {
    const doc = await t.api('GET', '/openapi.json');
    const paths = Object.keys(doc.body.paths);
    for (const path of ['/workflow-service/api/public/v1/workflow-runs', '/workflow-service/api/public/v1/workflows/{workflowId}/versions',
      '/workflow-service/api/public/v1/tokens', '/workflow-service/api/public/v1/tokens/{tokenId}/revoke']) {
      assert.ok(paths.includes(path), path);
    }
  });
});
