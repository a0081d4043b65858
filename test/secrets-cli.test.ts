import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { BIN } from './support/cli.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { freshDatabase } from './support/test-server.js';

const OLD_KEY = '1'.repeat(64);
const NEW_KEY = '2'.repeat(64);

/** `slipway <args>` with `input` on standard input. */
function slipway(args: string[], env: Record<string, string>, input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, SLIPWAY_LOG_LEVEL: 'warn', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** The CLI's secret commands against the database and over HTTP, and re-encryption under a new key. */
describe('slipway secret', () => {
  let databaseUrl: string;
  let remove: () => void;
  let serve: SlipwayProcess | null = null;
  let peer: HttpPeer;

  before(async () => {
    ({ databaseUrl, remove } = await freshDatabase('postgres'));
    peer = await startHttpPeer((request, response) => void response.end(request.headers.authorization ?? ''));
  });
  after(async () => {
    await serve?.stop();
    await peer.close();
    remove();
  });

  it('sets a value from standard input, lists it over HTTP without the value, re-encrypts under a new key', async () => {
    const local = { SLIPWAY_DATABASE_URL: databaseUrl, SLIPWAY_SECRET_KEY: OLD_KEY, SLIPWAY_TOKEN: '' };
    const migrate = await slipway(['workspace', 'create', 'cli', '--json'], local);
    assert.equal(migrate.code, 0, migrate.stderr);
    const workspaceId = String(JSON.parse(migrate.stdout).id);
    const set = await slipway(['secret', 'set', 'API_KEY', '--workspace', workspaceId], local, 'from-stdin-123456\n');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stderr, /against the database/);
    assert.ok(!set.stdout.includes('from-stdin-123456'));

    const hook = await slipway(['webhook', 'create', `${peer.url}/hook`, '--workspace', workspaceId, '--json'], { ...local, SLIPWAY_HTTP_ALLOW_PRIVATE: 'true' });
    assert.equal(hook.code, 0, hook.stderr);
    const { webhook_id: webhookId, secret: signingSecret } = JSON.parse(hook.stdout) as { webhook_id: string; secret: string };

    const rotated = await slipway(['secret', 'reencrypt', '--old-key', OLD_KEY], { ...local, SLIPWAY_SECRET_KEY: NEW_KEY });
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /re-encrypted 1 secret\(s\) and 1 webhook signing secret/);
    const wrong = await slipway(['secret', 'reencrypt', '--old-key', OLD_KEY], { ...local, SLIPWAY_SECRET_KEY: NEW_KEY });
    assert.notEqual(wrong.code, 0, 'the old key no longer opens them');

    serve = await startSlipwayProcess(['serve', '--port', '0', '--concurrency', '1'], { env: { ...local, SLIPWAY_SECRET_KEY: NEW_KEY, SLIPWAY_HTTP_ALLOW_PRIVATE: 'true' } });
    const token = JSON.parse((await slipway(['token', 'create', '--workspace', workspaceId, '--name', 'ci', '--json'], local)).stdout).token as string;
    const remote = { SLIPWAY_URL: serve.url, SLIPWAY_TOKEN: token, SLIPWAY_DATABASE_URL: '' };
    const list = await slipway(['secret', 'list', '--json'], remote);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stderr, /over HTTP/);
    assert.deepEqual(JSON.parse(list.stdout).map((s: { name: string }) => s.name), ['API_KEY']);
    assert.ok(!list.stdout.includes('from-stdin-123456'));

    // The re-sealed value still reaches a step under the new key.
    const apply = await fetch(`${serve.url}/workflow-service/api/public/v1/workflows/use?publish=true`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
      body: `id: use\nname: Use\nsteps:\n  - { id: call, type: http, with: { url: "${peer.url}/k", headers: { Authorization: "{{ secrets.API_KEY }}" } } }\n`,
    });
    assert.ok(apply.ok, String(apply.status));
    const run = await slipway(['run', 'use', '--wait', '--json'], remote);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.equal(peer.requests.findLast((r) => r.path === '/k')!.headers.authorization, 'from-stdin-123456');
    assert.ok(!run.stdout.includes('from-stdin-123456'), 'the run output masks the value');

    // The re-sealed signing secret still signs: a test event verifies with the secret shown at creation.
    const test = await fetch(`${serve.url}/workflow-service/api/public/v1/webhooks/${webhookId}/test`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal(test.status, 202, await test.text());
    await peer.waitFor('/hook');
    const delivered = peer.requests.find((r) => r.path === '/hook')!;
    assert.ok(new Webhook(signingSecret.replace(/^whsec_/, '')).verify(delivered.body, delivered.headers as Record<string, string>));

    const short = await slipway(['secret', 'set', 'TINY'], remote, 'abc');
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /400 invalid_request/);
    const removed = await slipway(['secret', 'delete', 'API_KEY'], remote);
    assert.equal(removed.code, 0, removed.stderr);
  });
});
