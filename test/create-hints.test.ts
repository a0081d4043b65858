import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { parseDatabaseUrl } from '../src/config/config.js';
import { systemClock } from '../src/core/clock.js';
import { createServices, openStore } from '../src/server.js';
import type { Store } from '../src/store/store.js';
import { assertError } from './support/assert-error.js';
import { runCli } from './support/cli.js';
import { HELLO_WORKFLOW, startTestServer, testBackends, type TestServer } from './support/test-server.js';

/** `hello` v2: `title` instead of `name` (a create valid for one version is invalid for the other). */
const HELLO_V2 = `
id: hello
name: Hello
inputs:
  - { variableName: title, type: text, required: true }
steps:
  - id: greet
    type: transform
    with: { value: "Hello, {{ inputs.title }}" }
`;

/**
 * The create's fast path (issue 10): a process remembers tokens and workflows and the insert's
 * statement re-checks them. These tests make the memory stale from *another* store on the same
 * database (a second pool and its own services: what another process is) and check that the
 * next create of the first server answers exactly what a fresh read would.
 */
for (const backend of testBackends()) describe(`create with remembered tokens and workflows, another process writing [${backend}]`, () => {
  let t: TestServer;
  let other: Store;
  let otherServices: ReturnType<typeof createServices>;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 0 });
    await t.publish(HELLO_WORKFLOW);
    other = await openStore(parseDatabaseUrl(t.databaseUrl));
    otherServices = createServices(other, systemClock);
  });
  after(async () => {
    await other.close();
    await t.close();
  });

  const create = (token: string, inputs: Record<string, unknown> = { name: 'x' }, headers: Record<string, string> = {}) =>
    t.api('POST', '/workflows/hello/runs', { token, body: { inputs }, headers });
  const runCount = async () => (await t.server.store.listRuns(t.workspaceId, { page: 1, limit: 1 })).total;

  /** A token the server has used for creates (so it remembers it), then revoked through the other store. */
  async function rememberedThenRevoked(name: string): Promise<string> {
    const { token, record } = await t.services.tokens.createToken({ workspaceId: t.workspaceId, name, expires: '30d', createdBy: 'test' });
    for (let i = 0; i < 2; i++) assert.equal((await create(token)).status, 202);
    assert.ok(await other.revokeToken(t.workspaceId, record.id, Date.now()));
    return token;
  }

  it('refuses a create with a token another process revoked a moment ago, with the 401 of a fresh read, and creates nothing', async () => {
    const token = await rememberedThenRevoked('revoked-create');
    const runs = await runCount();
    const refused = await create(token);
    assertError(refused, 401, 'unauthorized');
    assert.equal(refused.body.message, 'This API token has been revoked.');
    assert.equal(await runCount(), runs);
    // The same answer as a route that always reads the token.
    const listed = await t.api('GET', '/workflows', { token });
    assert.deepEqual({ ...refused.body, request_id: null }, { ...listed.body, request_id: null });
  });

  it('answers that 401, not the request\'s own error, for every other answer of the create route', async () => {
    const cases: Array<[string, (token: string) => Promise<{ status: number; body: any }>]> = [
      ['body not JSON', (token) => t.api('POST', '/workflows/hello/runs', { token, rawBody: '{not json', headers: { 'content-type': 'application/json' } })],
      ['body without inputs', (token) => t.api('POST', '/workflows/hello/runs', { token, body: {} })],
      ['inputs invalid', (token) => create(token, {})],
      ['unknown workflow', (token) => t.api('POST', '/workflows/nope/runs', { token, body: { inputs: { name: 'x' } } })],
      ['dry run', (token) => t.api('POST', '/workflows/hello/runs?dry_run=true', { token, body: { inputs: { name: 'x' } } })],
      ['Idempotency-Key', (token) => create(token, { name: 'x' }, { 'idempotency-key': `k-${token.slice(-8)}` })],
      ['Idempotency-Key too long', (token) => create(token, { name: 'x' }, { 'idempotency-key': 'k'.repeat(300) })],
      ['foreign X-Workspace-Id', (token) => create(token, { name: 'x' }, { 'x-workspace-id': String(t.workspaceId + 1000) })],
      ['bad flow option', (token) => t.api('POST', '/workflows/hello/runs', { token, body: { inputs: { name: 'x' }, priority: 'high' } })],
    ];
    for (const [name, send] of cases) {
      const token = await rememberedThenRevoked(`revoked-${name}`);
      const runs = await runCount();
      const answer = await send(token);
      assert.equal(answer.status, 401, `${name}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.message, 'This API token has been revoked.', name);
      assert.equal(await runCount(), runs, name);
    }
  });

  it('refuses a remembered token revoked by `slipway token revoke` in another OS process', async () => {
    const { token, record } = await t.services.tokens.createToken({ workspaceId: t.workspaceId, name: 'cli-revoked', expires: 'never', createdBy: 'test' });
    assert.equal((await create(token)).status, 202);
    const revoked = await runCli(['--database-url', t.databaseUrl, 'token', 'revoke', record.id, '--workspace', String(t.workspaceId)]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assertError(await create(token), 401, 'unauthorized');
  });

  it('refuses every create started after another process\'s revoke returned, in a burst of creates', async () => {
    const { token, record } = await t.services.tokens.createToken({ workspaceId: t.workspaceId, name: 'burst', expires: 'never', createdBy: 'test' });
    assert.equal((await create(token)).status, 202);
    const before = await runCount();
    let revokedAt = Infinity;
    const answers: Array<{ startedAt: number; status: number; runId?: string }> = [];
    const creators = Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 15; i++) {
        const startedAt = performance.now();
        const answer = await create(token);
        answers.push({ startedAt, status: answer.status, runId: answer.body?.run_id });
      }
    });
    const revoker = (async () => {
      while (answers.length < 20) await new Promise((resolve) => setTimeout(resolve, 2));
      assert.ok(await other.revokeToken(t.workspaceId, record.id, Date.now()));
      revokedAt = performance.now();
    })();
    await Promise.all([...creators, revoker]);
    const late = answers.filter((a) => a.startedAt > revokedAt);
    assert.ok(late.length > 0, 'some creates started after the revoke');
    for (const answer of late) assert.equal(answer.status, 401);
    for (const answer of answers) assert.ok(answer.status === 202 || answer.status === 401, String(answer.status));
    const created = answers.filter((a) => a.status === 202);
    assert.equal(await runCount(), before + created.length);
    for (const answer of created) assert.ok(await t.server.store.getRun(t.workspaceId, answer.runId!));
  });

  it('sees a new default version published by another process at the next create', async () => {
    const { workspaceId, token } = await t.newWorkspace();
    await t.publish(HELLO_WORKFLOW, workspaceId);
    const createIn = (inputs: Record<string, unknown>) => t.api('POST', '/workflows/hello/runs', { token, body: { inputs } });
    for (let i = 0; i < 2; i++) assert.equal((await createIn({ name: 'v1' })).status, 202);
    await otherServices.workflows.applyWorkflow({ workspaceId, text: HELLO_V2, publish: true });
    // Valid for the remembered version 1, not for version 2: refused as version 2 refuses it.
    const stale = await createIn({ name: 'v1' });
    assertError(stale, 400, 'invalid_inputs');
    assert.ok(stale.body.details.some((d: { path: string }) => d.path === 'inputs.title'), JSON.stringify(stale.body));
    // Valid for version 2 only: created.
    const fresh = await createIn({ title: 'v2' });
    assert.equal(fresh.status, 202, JSON.stringify(fresh.body));
    assert.equal((await t.api('POST', '/workflows/hello/runs?dry_run=true', { token, body: { inputs: { title: 'v2' } } })).body.version, 2);
    // And back: version 3 is version 1 again; the process remembered version 2 by now.
    await otherServices.workflows.applyWorkflow({ workspaceId, text: HELLO_WORKFLOW, publish: true });
    assertError(await createIn({ title: 'v2' }), 400, 'invalid_inputs');
    assert.equal((await createIn({ name: 'v3' })).status, 202);
  });

  it('applies limits given to the workspace by another process (SQL) at the next create', async () => {
    const limited = await t.newWorkspace();
    await t.publish(HELLO_WORKFLOW, limited.workspaceId);
    const createIn = () => t.api('POST', '/workflows/hello/runs', { token: limited.token, body: { inputs: { name: 'x' } } });
    for (let i = 0; i < 2; i++) assert.equal((await createIn()).status, 202);
    await execSql(t.databaseUrl, `UPDATE workspaces SET daily_run_limit = 2 WHERE id = ${limited.workspaceId}`);
    assertError(await createIn(), 429, 'daily_run_limit_exceeded');
  });
});

for (const backend of testBackends()) describe(`create with a remembered token that expires [${backend}]`, () => {
  let now = Date.now();
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 0, clock: { now: () => now } });
    await t.publish(HELLO_WORKFLOW);
  });
  after(() => t.close());

  it('refuses the create once the token has expired, with the 401 of a fresh read', async () => {
    const { token } = await t.services.tokens.createToken({ workspaceId: t.workspaceId, name: 'expiring', expires: '7d', createdBy: 'test' });
    const create = () => t.api('POST', '/workflows/hello/runs', { token, body: { inputs: { name: 'x' } } });
    for (let i = 0; i < 2; i++) assert.equal((await create()).status, 202);
    now += 7 * 86_400_000 + 1;
    const refused = await create();
    assertError(refused, 401, 'unauthorized');
    assert.equal(refused.body.message, 'This API token has expired.');
  });
});

/** One statement against the test database, as another process (an operator's SQL) would write it. */
async function execSql(databaseUrl: string, sql: string): Promise<void> {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind === 'sqlite') {
    const db = new Database(target.path);
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
