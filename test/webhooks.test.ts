import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../src/config/config.js';
import { startSlipway } from '../src/server.js';
import { startHttpPeer, type HttpPeer, type PeerRequest } from './support/http-peer.js';
import { waitFor } from './support/wait-for.js';
import { HELLO_WORKFLOW, startTestServer, testBackends, type TestServer } from './support/test-server.js';

const FAILING_WORKFLOW = `
id: breaks
name: Breaks
steps:
  - id: boom
    type: fail
    with: { message: "broken on purpose" }
`;

/** Waits until `path` has received `times` requests. */
const arrives = (peer: HttpPeer, path: string, times = 1) =>
  waitFor(() => peer.count(path) >= times, { what: `${times} request(s) to ${path}` });

const hooksOf = (peer: HttpPeer, path = '/hook') => peer.requests.filter((r) => r.path === path);

function verify(secret: string, request: PeerRequest): unknown {
  return new Webhook(secret.replace(/^whsec_/, '')).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  });
}

for (const backend of testBackends()) {
  describe(`webhooks [${backend}]`, () => {
    let server: TestServer;
    let peer: HttpPeer;
    // Per path: how many times to answer 500 before answering 200 (default 0).
    const failFirst = new Map<string, number>();
    const alwaysFail = new Set<string>();

    before(async () => {
      peer = await startHttpPeer((request, response) => {
        const left = failFirst.get(request.path) ?? 0;
        if (alwaysFail.has(request.path) || left > 0) {
          failFirst.set(request.path, left - 1);
          response.statusCode = 500;
          return void response.end('not now');
        }
        response.end('ok');
      });
      server = await startTestServer({ backend, env: { SLIPWAY_HTTP_ALLOW_PRIVATE: 'true', SLIPWAY_WEBHOOK_BACKOFF: '100ms' } });
      await server.publish(HELLO_WORKFLOW);
      await server.publish(FAILING_WORKFLOW);
    });
    after(async () => {
      await server.close();
      await peer.close();
    });

    const createHook = async (path: string, body: Record<string, unknown> = {}) => {
      const response = await server.api('POST', '/webhooks', { body: { url: peer.url + path, events: ['run.completed', 'run.failed', 'run.canceled'], ...body } });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body as { webhook_id: string; secret: string; url: string };
    };
    const startRun = async (workflowId = 'hello') => {
      const response = await server.api('POST', `/workflows/${workflowId}/runs`, { body: { inputs: workflowId === 'hello' ? { name: 'Ada' } : {} } });
      assert.equal(response.status, 202);
      return response.body.run_id as string;
    };

    it('signs each delivery per Standard Webhooks with the run as ?include=details answers it', async () => {
      const hook = await createHook('/signed');
      assert.match(hook.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
      // At rest: sealed with the server key (SQLite's secret.key here); in clear without one (this PostgreSQL has none).
      const stored = (await server.server.store.listAllWebhooks()).find((h) => h.id === hook.webhook_id)!.secret;
      if (backend === 'sqlite') {
        assert.match(stored, /^v1:/);
        assert.ok(!stored.includes(hook.secret.slice(6)), 'the stored form does not contain the secret');
      } else assert.equal(stored, hook.secret);
      const runId = await startRun();
      await server.waitForStatus(runId, ['COMPLETED']);
      await arrives(peer, '/signed');
      const [request] = hooksOf(peer, '/signed');
      const payload = verify(hook.secret, request!) as { type: string; timestamp: string; data: Record<string, unknown> };
      assert.equal(payload.type, 'run.completed');
      const details = await server.api('GET', `/workflow-runs/${runId}?include=details`);
      assert.deepEqual(payload.data, details.body);
      assert.equal(payload.timestamp, details.body.completed_at);
      assert.throws(() => verify('whsec_' + Buffer.from('another secret of 24 bytes').toString('base64'), request!));
      await server.api('DELETE', `/webhooks/${hook.webhook_id}`);
    });

    it('retries a failing receiver with the same webhook-id, and the log says delivered after 3 attempts', async () => {
      const hook = await createHook('/flaky');
      failFirst.set('/flaky', 2);
      const runId = await startRun();
      await arrives(peer, '/flaky', 3);
      const ids = new Set(hooksOf(peer, '/flaky').map((r) => r.headers['webhook-id']));
      assert.equal(ids.size, 1, 'one webhook-id on every attempt');
      const log = await waitFor(async () => {
        const r = await server.api('GET', `/webhooks/${hook.webhook_id}/deliveries`);
        return r.body.data[0]?.status === 'delivered' ? r.body : null;
      }, { what: 'the delivery to be delivered' });
      assert.equal(log.data.length, 1);
      assert.equal(log.data[0].run_id, runId);
      assert.equal(log.data[0].attempts, 3);
      assert.equal(log.data[0].last_status_code, 200);
      assert.equal(log.data[0].delivery_id, [...ids][0]);
      assert.equal(log.pagination.total, 1);
      await server.api('DELETE', `/webhooks/${hook.webhook_id}`);
    });

    it('sends run.failed and run.canceled, and filters by event and workflow', async () => {
      const failedOnly = await createHook('/failed-only', { events: ['run.failed'] });
      const helloOnly = await createHook('/hello-only', { workflow_id: 'hello' });
      const failedRun = await startRun('breaks');
      await server.waitForStatus(failedRun, ['FAILED']);
      const helloRun = await startRun();
      await server.waitForStatus(helloRun, ['COMPLETED']);
      await arrives(peer, '/failed-only');
      await arrives(peer, '/hello-only');
      // Give a wrongly recorded delivery time to arrive before asserting it did not.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(hooksOf(peer, '/failed-only').map((r) => JSON.parse(r.body).type), ['run.failed']);
      assert.equal(JSON.parse(hooksOf(peer, '/failed-only')[0]!.body).data.error.code, 'WORKFLOW_FAILED');
      assert.deepEqual(hooksOf(peer, '/hello-only').map((r) => JSON.parse(r.body).data.run_id), [helloRun]);
      await server.api('DELETE', `/webhooks/${failedOnly.webhook_id}`);
      await server.api('DELETE', `/webhooks/${helloOnly.webhook_id}`);

      // An API-only server records the cancel's delivery with the cancel; a worker process sends it.
      const quiet = await startTestServer({ backend, concurrency: 0, env: { SLIPWAY_HTTP_ALLOW_PRIVATE: 'true' } });
      try {
        await quiet.publish(HELLO_WORKFLOW);
        const hook = await quiet.api('POST', '/webhooks', { body: { url: peer.url + '/canceled', events: ['run.canceled'] } });
        const run = await quiet.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'x' } } });
        assert.equal((await quiet.api('POST', `/workflow-runs/${run.body.run_id}/cancel`)).status, 200);
        const log = await quiet.api('GET', `/webhooks/${hook.body.webhook_id}/deliveries`);
        assert.equal(log.body.data[0].event, 'run.canceled');
        assert.equal(log.body.data[0].status, 'pending');
        const config = loadConfig({ databaseUrl: quiet.databaseUrl, concurrency: 1 }, { SLIPWAY_POLL_INTERVAL: '50ms', SLIPWAY_HTTP_ALLOW_PRIVATE: 'true' });
        const worker = await startSlipway({ config, http: false, examplesDir: null, logger: false });
        try {
          await arrives(peer, '/canceled');
        } finally {
          await worker.close();
        }
        const sent = JSON.parse(hooksOf(peer, '/canceled')[0]!.body);
        assert.equal(sent.type, 'run.canceled');
        assert.equal(sent.data.status, 'CANCELED');
      } finally {
        await quiet.close();
      }
    });

    it('test events, redeliver (409 while pending), and deleting an endpoint stops its deliveries', async () => {
      const hook = await createHook('/down');
      alwaysFail.add('/down');
      const test = await server.api('POST', `/webhooks/${hook.webhook_id}/test`);
      assert.equal(test.status, 202);
      await arrives(peer, '/down', 2);
      const first = hooksOf(peer, '/down')[0]!;
      assert.equal(JSON.parse(first.body).type, 'webhook.test');
      assert.ok(verify(hook.secret, first));
      const pending = await server.api('POST', `/webhooks/${hook.webhook_id}/deliveries/${test.body.delivery_id}/redeliver`);
      assert.equal(pending.status, 409);
      assert.equal(pending.body.error, 'delivery_pending');

      assert.equal((await server.api('DELETE', `/webhooks/${hook.webhook_id}`)).status, 204);
      // An attempt already on its way may still land; after it, nothing more arrives.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const seen = hooksOf(peer, '/down').length;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.equal(hooksOf(peer, '/down').length, seen, 'no attempt after the endpoint was deleted');
      assert.equal((await server.api('GET', `/webhooks/${hook.webhook_id}`)).status, 404);
      assert.equal((await server.api('GET', `/webhooks/${hook.webhook_id}/deliveries`)).status, 404);

      const ok = await createHook('/redeliver');
      const again = await server.api('POST', `/webhooks/${ok.webhook_id}/test`);
      await arrives(peer, '/redeliver');
      await waitFor(async () => (await server.api('GET', `/webhooks/${ok.webhook_id}/deliveries`)).body.data[0]?.status === 'delivered', { what: 'delivered' });
      const redeliver = await server.api('POST', `/webhooks/${ok.webhook_id}/deliveries/${again.body.delivery_id}/redeliver`);
      assert.equal(redeliver.status, 202);
      await arrives(peer, '/redeliver', 2);
      const [one, two] = hooksOf(peer, '/redeliver');
      assert.equal(one!.headers['webhook-id'], two!.headers['webhook-id']);
      assert.equal(one!.body, two!.body, 'the same bytes on every attempt');
      await server.api('DELETE', `/webhooks/${ok.webhook_id}`);
    });

    it('refuses bad bodies with details, hides other workspaces, and never shows the secret again', async () => {
      const bad = [
        { url: 'ftp://example.com/x', events: ['run.completed'] },
        { url: 'not a url', events: ['run.completed'] },
        { url: peer.url, events: [] },
        { url: peer.url, events: ['run.exploded'] },
        { url: peer.url, events: ['run.completed'], workflow_id: 'nope' },
        { url: peer.url, events: ['run.completed'], extra: 1 },
      ];
      for (const body of bad) {
        const response = await server.api('POST', '/webhooks', { body });
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.ok(response.body.error === 'invalid_request', JSON.stringify(response.body));
        assert.ok(typeof response.body.request_id === 'string');
      }
      const hook = await createHook('/secret-check');
      const other = await server.newWorkspace();
      for (const path of [`/webhooks/${hook.webhook_id}`, `/webhooks/${hook.webhook_id}/deliveries`]) {
        assert.equal((await server.api('GET', path, { token: other.token })).status, 404);
      }
      assert.equal((await server.api('POST', `/webhooks/${hook.webhook_id}/test`, { token: other.token })).status, 404);
      assert.equal((await server.api('DELETE', `/webhooks/${hook.webhook_id}`, { token: other.token })).status, 404);
      assert.deepEqual((await server.api('GET', '/webhooks', { token: other.token })).body.data, []);
      await server.api('POST', `/webhooks/${hook.webhook_id}/test`);
      await arrives(peer, '/secret-check');
      for (const path of ['/webhooks', `/webhooks/${hook.webhook_id}`, `/webhooks/${hook.webhook_id}/deliveries`]) {
        const response = await server.api('GET', path);
        assert.equal(response.status, 200);
        assert.ok(!JSON.stringify(response.body).includes(hook.secret), `${path} must not show the secret`);
        assert.ok(!JSON.stringify(response.body).includes('whsec_'), `${path} must not show any secret`);
      }
      await server.api('DELETE', `/webhooks/${hook.webhook_id}`);
    });

    it('refuses private addresses unless SLIPWAY_HTTP_ALLOW_PRIVATE', async () => {
      const guarded = await startTestServer({ backend, concurrency: 0 });
      try {
        const response = await guarded.api('POST', '/webhooks', { body: { url: `${peer.url}/x`, events: ['run.completed'] } });
        assert.equal(response.status, 400);
        assert.equal(response.body.details[0].path, 'body.url');
      } finally {
        await guarded.close();
      }
    });

    it('two processes on one database never send the same attempt twice', async () => {
      const hook = await createHook('/pair');
      const config = loadConfig(
        { databaseUrl: server.databaseUrl, host: '127.0.0.1', port: 0, concurrency: 2 },
        { SLIPWAY_POLL_INTERVAL: '50ms', SLIPWAY_SHUTDOWN_GRACE: '2s', SLIPWAY_HTTP_ALLOW_PRIVATE: 'true' },
      );
      const second = await startSlipway({ config, http: false, examplesDir: null, logger: false });
      try {
        const runs = await Promise.all(Array.from({ length: 20 }, () => startRun()));
        await arrives(peer, '/pair', runs.length);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const received = hooksOf(peer, '/pair').map((r) => ({ id: r.headers['webhook-id'], run: JSON.parse(r.body).data.run_id }));
        assert.equal(received.length, runs.length, 'one attempt per delivery');
        assert.equal(new Set(received.map((r) => r.id)).size, runs.length);
        assert.deepEqual(new Set(received.map((r) => r.run)), new Set(runs));
      } finally {
        await second.close();
        await server.api('DELETE', `/webhooks/${hook.webhook_id}`);
      }
    });
  });
}
