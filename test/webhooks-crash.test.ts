import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from './support/cli.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { waitFor } from './support/wait-for.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { freshDatabase, testBackends } from './support/test-server.js';

const API = '/workflow-service/api/public/v1';
const WORKFLOW = `
id: quick
name: Quick
steps:
  - id: one
    type: transform
    with: { value: done }
`;

/**
 * The outbox survives kill -9: deliveries recorded while the receiver is down are sent
 * after the process is killed and started again, none lost, one webhook-id per event.
 * Also the CLI, over HTTP and against the database.
 */
for (const backend of testBackends()) {
  describe(`webhooks across kill -9 and from the CLI [${backend}]`, () => {
    let peer: HttpPeer;
    let receiving = false;
    let databaseUrl: string;
    let remove: () => void;
    let serve: SlipwayProcess | null = null;
    const env = { SLIPWAY_HTTP_ALLOW_PRIVATE: 'true', SLIPWAY_WEBHOOK_BACKOFF: '200ms', SLIPWAY_POLL_INTERVAL: '50ms', SLIPWAY_DATABASE_URL: '' };

    before(async () => {
      peer = await startHttpPeer((_request, response) => {
        response.statusCode = receiving ? 200 : 503;
        response.end();
      });
      ({ databaseUrl, remove } = await freshDatabase(backend));
    });
    after(async () => {
      if (serve) await serve.stop('SIGKILL').catch(() => {});
      await peer.close();
      remove();
    });

    it('sends every delivery recorded before a kill -9 once the process is back', async () => {
      serve = await startSlipwayProcess(['--database-url', databaseUrl, 'serve', '--port', '0', '--concurrency', '2'], { env });
      const token = /SLIPWAY_TOKEN=(slat_\w+)/.exec(serve.output())![1]!;
      const api = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(serve!.url + API + path, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json().catch(() => null)) as any };
      };
      const put = await fetch(`${serve.url}${API}/workflows/quick?publish=true`, {
        method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' }, body: WORKFLOW,
      });
      assert.ok(put.ok, `publish: ${put.status}`);
      const hook = await api('POST', '/webhooks', { url: `${peer.url}/hook`, events: ['run.completed'] });
      assert.equal(hook.status, 201);
      const runs: string[] = [];
      for (let i = 0; i < 8; i++) runs.push((await api('POST', '/workflows/quick/runs', { inputs: {} })).body.run_id);
      // Every run finished and its delivery was attempted at least once against the down receiver.
      await waitFor(async () => {
        const log = await api('GET', `/webhooks/${hook.body.webhook_id}/deliveries?limit=100`);
        return log.body.data.length === runs.length && log.body.data.every((d: any) => d.attempts >= 1 && d.status === 'pending');
      }, { what: 'a failed attempt of every delivery' });
      await serve.stop('SIGKILL');

      receiving = true;
      serve = await startSlipwayProcess(['--database-url', databaseUrl, 'serve', '--port', '0', '--concurrency', '2'], { env });
      const answered200 = peer.requests.length;
      await waitFor(() =>
        new Set(peer.requests.slice(answered200).filter((r) => r.path === '/hook').map((r) => JSON.parse(r.body).data.run_id)).size === runs.length,
      { what: 'every run delivered after the restart' });
      const delivered = peer.requests.filter((r) => r.path === '/hook');
      const accepted = new Map<string, string>();
      for (const request of delivered) {
        const runId = JSON.parse(request.body).data.run_id as string;
        const id = String(request.headers['webhook-id']);
        assert.equal(accepted.get(runId) ?? id, id, 'one webhook-id per event, on every attempt');
        accepted.set(runId, id);
      }
      assert.deepEqual(new Set(accepted.keys()), new Set(runs));
      await serve.stop();
      serve = null;
    });

    it('manages webhooks from the CLI against the database and over HTTP', async () => {
      const local = await runCli(['--database-url', databaseUrl, 'webhook', 'create', `${peer.url}/cli`, '--workspace', '1', '--events', 'run.failed', '--json'], { ...env, SLIPWAY_TOKEN: '' });
      assert.equal(local.code, 0, local.stderr);
      assert.match(local.stderr, /against the database/);
      const created = JSON.parse(local.stdout);
      assert.match(created.secret, /^whsec_/);

      serve = await startSlipwayProcess(['--database-url', databaseUrl, 'serve', '--port', '0', '--concurrency', '0'], { env });
      const token = (await runCli(['--database-url', databaseUrl, 'token', 'create', '--workspace', '1', '--name', 'cli', '--json'], env));
      const remoteEnv = { ...env, SLIPWAY_URL: serve.url, SLIPWAY_TOKEN: JSON.parse(token.stdout).token };
      const list = await runCli(['webhook', 'list', '--json'], remoteEnv);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stderr, /over HTTP/);
      const listed = JSON.parse(list.stdout);
      assert.ok(listed.some((w: any) => w.webhook_id === created.webhook_id));
      assert.ok(!list.stdout.includes(created.secret));
      const test = await runCli(['webhook', 'test', created.webhook_id, '--json'], remoteEnv);
      assert.equal(test.code, 0, test.stderr);
      const deliveries = await runCli(['webhook', 'deliveries', created.webhook_id], remoteEnv);
      assert.match(deliveries.stdout, /webhook\.test\tpending/);
      const bad = await runCli(['webhook', 'create', 'ftp://x', '--events', 'run.completed'], remoteEnv);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /400 invalid_request/);
      const removed = await runCli(['webhook', 'delete', created.webhook_id], remoteEnv);
      assert.equal(removed.code, 0, removed.stderr);
      await serve.stop();
      serve = null;
    });
  });
}
