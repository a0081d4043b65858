import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './support/cli.js';
import { startTestServer, tempDir, testBackends, type TestServer } from './support/test-server.js';

// Nothing listens on port 9 (discard) of loopback: any attempt to use the database fails.
const NO_DATABASE = { SLIPWAY_DATABASE_URL: 'postgres://slipway:x@127.0.0.1:9/none?connect_timeout=2' };

for (const backend of testBackends()) describe(`slipway workflow apply over HTTP (SPEC §14) [${backend}]`, () => {
  let t: TestServer;
  const dir = tempDir('slipway-cli-authoring-');
  before(async () => {
    t = await startTestServer({ backend, concurrency: 0 });
  });
  after(async () => {
    await t.close();
    dir.remove();
  });

  const remote = (token = t.token) => ({ ...NO_DATABASE, SLIPWAY_URL: t.url, SLIPWAY_TOKEN: token });

  it('applies and publishes over HTTP with no database reachable, saying so, and re-publishing is idempotent', async () => {
    const file = join(dir.path, 'remote.yaml');
    writeFileSync(file, 'id: remote-one\nname: Remote\nsteps:\n  - { id: a, type: transform, with: { value: 1 } }\n');
    const first = await runCli(['workflow', 'apply', file, '--publish', '--json'], remote());
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /over HTTP at http:\/\/127\.0\.0\.1:\d+/);
    assert.deepEqual(JSON.parse(first.stdout), { _id: 'remote-one', name: 'Remote', status: 'published', created: true, publishedVersion: 1, defaultVersion: 1 });

    const again = await runCli(['workflow', 'apply', file, '--publish'], remote());
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /updated workflow remote-one \(Remote\), unchanged since the default version/);
    const stored = await t.api('GET', '/workflows/remote-one');
    assert.equal(stored.body.totalVersions, 1);
  });

  it('takes --id for a file without id, its own workspace with --workspace, and answers 403 for another one', async () => {
    const file = join(dir.path, 'anonymous.json');
    writeFileSync(file, JSON.stringify({ name: 'Anonymous', steps: [{ id: 'a', type: 'transform', with: { value: 1 } }] }));
    const own = await runCli(['workflow', 'apply', file, '--id', 'anon', '--workspace', String(t.workspaceId)], remote());
    assert.equal(own.code, 0, own.stderr);
    assert.match(own.stdout, /created workflow anon \(Anonymous\) \(draft\)/);
    const other = await runCli(['workflow', 'apply', file, '--id', 'anon', '--workspace', String(t.workspaceId + 1000)], remote());
    assert.equal(other.code, 1);
    assert.match(other.stderr, /403 forbidden/);
  });

  it('names the place of definition errors as `line N, column M:`', async () => {
    const file = join(dir.path, 'broken.yaml');
    writeFileSync(file, 'id: broken\nname: Broken\nsteps:\n  - id: a\n    type: teleport\n');
    const result = await runCli(['workflow', 'apply', file], remote());
    assert.equal(result.code, 1);
    assert.match(result.stderr, /400 invalid_definition/);
    assert.match(result.stderr, /steps\[0\]\.type: line 5, column 11: unknown step type "teleport"/);
    const unauthorized = await runCli(['workflow', 'apply', file], remote('slat_unknown'));
    assert.match(unauthorized.stderr, /401 unauthorized/);
  });

  it('works against the database without SLIPWAY_TOKEN, saying so, and needs --workspace there', async () => {
    const file = join(dir.path, 'local.yaml');
    writeFileSync(file, 'id: local-one\nname: Local\nsteps:\n  - { id: a, type: transform, with: { value: 1 } }\n');
    const env = { SLIPWAY_DATABASE_URL: t.databaseUrl, SLIPWAY_TOKEN: '' };
    const missing = await runCli(['workflow', 'apply', file], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--workspace <id> is required against the database/);
    const local = await runCli(['workflow', 'apply', file, '--workspace', String(t.workspaceId), '--publish'], env);
    assert.equal(local.code, 0, local.stderr);
    assert.match(local.stderr, /against the database (sqlite:|postgres:\/\/)/);
    assert.doesNotMatch(local.stderr, /:[^@/\s]*@/, 'no password is printed');
    assert.equal((await t.api('GET', '/workflows/local-one')).body.defaultVersion, 1);
  });
});
