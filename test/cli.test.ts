import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from './support/cli.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { tempDir } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

const EXAMPLE = fileURLToPath(new URL('../examples/hello.yaml', import.meta.url));

describe('CLI (SPEC §6)', () => {
  const dir = tempDir('slipway-cli-');
  const env = { SLIPWAY_DATABASE_URL: `sqlite:${join(dir.path, 'cli.db')}` };
  let serve: SlipwayProcess;
  let adminToken: string;

  before(async () => {
    serve = await startSlipwayProcess(['serve', '--port', '0', '--concurrency', '2'], { env });
    adminToken = /SLIPWAY_TOKEN=(slat_\w+)/.exec(serve.output())![1]!;
  });
  after(async () => {
    if (serve.child.exitCode === null) await serve.stop();
    dir.remove();
  });

  it('first start creates a default workspace, prints one admin token and loads the examples', async () => {
    assert.match(serve.output(), /First start/);
    assert.match(serve.output(), /Example workflows: .*hello/);
    const health = await fetch(`${serve.url}/healthz`);
    assert.equal(health.status, 200);
    const list = await fetch(`${serve.url}/workflow-service/api/public/v1/workflows`, { headers: { authorization: `Bearer ${adminToken}` } });
    const body = (await list.json()) as { data: { _id: string }[] };
    assert.ok(body.data.some((w) => w._id === 'hello'));
  });

  it('creates workspaces and tokens, lists tokens without secrets, revokes them (--json)', async () => {
    const ws = await runCli(['workspace', 'create', 'acme', '--daily-run-limit', '10', '--concurrent-run-limit', '2', '--json'], env);
    assert.equal(ws.code, 0, ws.stderr);
    const workspace = JSON.parse(ws.stdout);
    assert.equal(workspace.name, 'acme');
    assert.equal(workspace.daily_run_limit, 10);
    assert.equal(workspace.concurrent_run_limit, 2);

    const created = await runCli(['token', 'create', '--workspace', String(workspace.id), '--name', 'ci', '--expires', '30d', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    const token = JSON.parse(created.stdout);
    assert.match(token.token, /^slat_/);
    assert.equal(token.preview, `${token.token.slice(0, 12)}...${token.token.slice(-4)}`);
    assert.ok(token.expires_at);

    const listed = await runCli(['token', 'list', '--workspace', String(workspace.id), '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.doesNotMatch(listed.stdout, new RegExp(token.token));
    const tokens = JSON.parse(listed.stdout);
    assert.deepEqual(tokens.map((t: { name: string }) => t.name), ['ci']);

    const bad = await runCli(['token', 'create', '--workspace', String(workspace.id), '--name', 'x', '--expires', '1y'], env);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /7d, 30d, 90d, never/);

    const apply = await runCli(['workflow', 'apply', EXAMPLE, '--workspace', String(workspace.id), '--publish', '--json'], env);
    assert.equal(apply.code, 0, apply.stderr);
    assert.deepEqual(JSON.parse(apply.stdout), { _id: 'hello', name: 'Hello', status: 'published', created: true, publishedVersion: 1, defaultVersion: 1 });

    const run = await runCli(['run', 'hello', '--input', 'name=Grace', '--input', 'excited=true', '--wait'], { ...env, SLIPWAY_URL: serve.url, SLIPWAY_TOKEN: token.token });
    assert.equal(run.code, 0, run.stderr);
    const finished = JSON.parse(run.stdout);
    assert.equal(finished.status, 'COMPLETED');
    assert.deepEqual(finished.output, { greeting: 'Hello, Grace!', length: 5 });

    const revoke = await runCli(['token', 'revoke', token.id, '--workspace', String(workspace.id), '--json'], env);
    assert.equal(revoke.code, 0, revoke.stderr);
    const refused = await runCli(['run', 'hello', '--input', 'name=Grace'], { ...env, SLIPWAY_URL: serve.url, SLIPWAY_TOKEN: token.token });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /401 unauthorized/);
  });

  it('reports invalid workflow files with the line of each error', async () => {
    const file = join(dir.path, 'broken.yaml');
    writeFileSync(file, 'name: Broken\nsteps:\n  - id: a\n    type: teleport\n');
    const result = await runCli(['workflow', 'apply', file, '--workspace', '1'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /steps\[0\]\.type: line 4, column 11: unknown step type "teleport"/);
  });

  it('reports invalid inputs from `run` with their details', async () => {
    const result = await runCli(['run', 'hello'], { ...env, SLIPWAY_URL: serve.url, SLIPWAY_TOKEN: adminToken });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /400 invalid_inputs/);
    assert.match(result.stderr, /inputs\.name: is required/);
  });

  it('prints the migrations with migrate --print', async () => {
    const result = await runCli(['migrate', '--print'], env);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /CREATE TABLE runs/);
  });

  it('rejects a bad database URL with a message that says what to write', async () => {
    const result = await runCli(['workspace', 'list'], { SLIPWAY_DATABASE_URL: 'mysql://x' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /sqlite:<path> or postgres:\/\//);
  });

  it('shuts down gracefully on SIGTERM, and a second start prints no new token', async () => {
    assert.equal(await serve.stop('SIGTERM'), 0);
    const again = await startSlipwayProcess(['serve', '--port', '0', '--concurrency', '0'], { env });
    try {
      assert.doesNotMatch(again.output(), /SLIPWAY_TOKEN=/);
      // --concurrency 0: the API alone, runs stay QUEUED
      const created = await fetch(`${again.url}/workflow-service/api/public/v1/workflows/hello/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: { name: 'x' } }),
      });
      assert.equal(created.status, 202);
      const { run_id: runId } = (await created.json()) as { run_id: string };
      const statusOf = async () =>
        ((await (await fetch(`${again.url}/workflow-service/api/public/v1/workflow-runs/${runId}`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as { status: string }).status;
      assert.equal(await statusOf(), 'QUEUED');
      // `slipway worker` on the same database picks it up
      const worker = await startSlipwayProcess(['worker', '--concurrency', '1'], { env: { ...env, SLIPWAY_POLL_INTERVAL: '50ms' } });
      try {
        await waitFor(async () => (await statusOf()) === 'COMPLETED', { what: 'the worker completes the queued run' });
      } finally {
        assert.equal(await worker.stop('SIGTERM'), 0);
      }
    } finally {
      assert.equal(await again.stop('SIGTERM'), 0);
    }
  });
});
