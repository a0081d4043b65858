import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError } from './support/assert-error.js';
import { HELLO_WORKFLOW, startTestServer, testBackends, type TestServer } from './support/test-server.js';


for (const backend of testBackends()) describe(`authentication and tenancy (SPEC §2) [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 0 });
    await t.publish(HELLO_WORKFLOW);
  });
  after(() => t.close());

  it('answers 401 for a missing header, a missing Bearer prefix, a non-slat_ token and an unknown token', async () => {
    assertError(await t.api('GET', '/workflows', { token: null }), 401, 'unauthorized');
    assertError(await t.api('GET', '/workflows', { token: null, headers: { authorization: t.token } }), 401, 'unauthorized');
    assertError(await t.api('GET', '/workflows', { token: null, headers: { authorization: `Basic ${t.token}` } }), 401, 'unauthorized');
    assertError(await t.api('GET', '/workflows', { token: 'sk_live_abc' }), 401, 'unauthorized');
    assertError(await t.api('GET', '/workflows', { token: `${t.token}x` }), 401, 'unauthorized');
    assert.equal((await t.api('GET', '/workflows')).status, 200);
  });

  it('authenticates before reading the body: a bad token with a bad body is still 401', async () => {
    assertError(await t.api('POST', '/workflows/hello/runs', { token: 'slat_nope', rawBody: '{not json', headers: { 'content-type': 'application/json' } }), 401, 'unauthorized');
  });

  it('refuses a revoked token from the next request on', async () => {
    const { token } = await t.services.tokens.createToken({ workspaceId: t.workspaceId, name: 'to revoke', expires: '30d', createdBy: 'test' });
    assert.equal((await t.api('GET', '/workflows', { token })).status, 200);
    const [record] = (await t.services.tokens.listTokens(t.workspaceId)).filter((r) => r.name === 'to revoke');
    assert.ok(await t.services.tokens.revokeToken(t.workspaceId, record!.id));
    assertError(await t.api('GET', '/workflows', { token }), 401, 'unauthorized');
  });

  it('answers 403 when X-Workspace-Id or X-Organization-Id does not match the token', async () => {
    const workspace = await t.server.store.getWorkspace(t.workspaceId);
    assert.equal((await t.api('GET', '/workflows', { headers: { 'x-workspace-id': String(t.workspaceId) } })).status, 200);
    assert.equal((await t.api('GET', '/workflows', { headers: { 'x-organization-id': String(workspace!.organizationId) } })).status, 200);
    assertError(await t.api('GET', '/workflows', { headers: { 'x-workspace-id': String(t.workspaceId + 1000) } }), 403, 'forbidden');
    assertError(await t.api('GET', '/workflows', { headers: { 'x-organization-id': '999' } }), 403, 'forbidden');
    assertError(await t.api('GET', '/workflows', { headers: { 'x-workspace-id': 'abc' } }), 403, 'forbidden');
  });

  it("answers 404 for another workspace's workflows and runs, exactly as for unknown ones", async () => {
    const other = await t.newWorkspace();
    const created = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'x' } } });
    assert.equal(created.status, 202);
    const foreignRun = await t.api('GET', `/workflow-runs/${created.body.run_id}`, { token: other.token });
    const unknownRun = await t.api('GET', '/workflow-runs/00000000-0000-7000-8000-000000000000', { token: other.token });
    assertError(foreignRun, 404, 'not_found');
    assertError(unknownRun, 404, 'not_found');
    assertError(await t.api('POST', `/workflow-runs/${created.body.run_id}/cancel`, { token: other.token }), 404, 'not_found');
    assertError(await t.api('GET', '/workflows/hello', { token: other.token }), 404, 'not_found');
    assertError(await t.api('POST', '/workflows/hello/runs', { token: other.token, body: { inputs: { name: 'x' } } }), 404, 'not_found');
    const list = await t.api('GET', '/workflows', { token: other.token });
    assert.deepEqual(list.body.data, []);
    // the other workspace may have its own "hello"
    await t.publish(HELLO_WORKFLOW, other.workspaceId);
    assert.equal((await t.api('GET', '/workflows/hello', { token: other.token })).status, 200);
  });

  it('records the last-used date of a token', async () => {
    const { token, record } = await t.services.tokens.createToken({ workspaceId: t.workspaceId, name: 'used', expires: 'never', createdBy: 'test' });
    assert.equal(record.lastUsedAt, null);
    await t.api('GET', '/workflows', { token });
    const after = await t.server.store.getToken(t.workspaceId, record.id);
    assert.equal(typeof after!.lastUsedAt, 'number');
  });

  it('stores only a hash and a 12+4 preview of the token', async () => {
    const { token, record } = await t.services.tokens.createToken({ workspaceId: t.workspaceId, name: 'p', expires: 'never', createdBy: 'test' });
    assert.match(token, /^slat_[0-9A-Za-z]{43}$/);
    assert.equal(record.preview, `${token.slice(0, 12)}...${token.slice(-4)}`);
    assert.notEqual(record.hash, token);
    assert.ok(!record.hash.includes(token.slice(5)));
  });
});

for (const backend of testBackends()) describe(`token expiry (SPEC §2) [${backend}]`, () => {
  let t: TestServer;
  let now = Date.now();
  before(async () => {
    t = await startTestServer({ backend, concurrency: 0, clock: { now: () => now } });
  });
  after(() => t.close());

  it('accepts a 7-day token until it expires and refuses it after', async () => {
    const { token, record } = await t.services.tokens.createToken({ workspaceId: t.workspaceId, name: 'week', expires: '7d', createdBy: 'test' });
    assert.equal(record.expiresAt, now + 7 * 86_400_000);
    assert.equal((await t.api('GET', '/workflows', { token })).status, 200);
    now += 7 * 86_400_000 - 1;
    assert.equal((await t.api('GET', '/workflows', { token })).status, 200);
    now += 1;
    assertError(await t.api('GET', '/workflows', { token }), 401, 'unauthorized');
    // a never-expiring token is unaffected
    assert.equal((await t.api('GET', '/workflows')).status, 200);
  });
});
