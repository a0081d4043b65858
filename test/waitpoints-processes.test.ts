import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDatabaseUrl } from '../src/config/config.js';
import { systemClock } from '../src/core/clock.js';
import { createServices, openStore } from '../src/server.js';
import { sendJson, startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { freshDatabase, testBackends } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const API = '/workflow-service/api/public/v1';

const WORKFLOW = `
id: gate
name: Gate
inputs:
  - { variableName: hook, type: text, required: true }
steps:
  - id: review
    type: wait
    with:
      kind: "{{ inputs.hook = 'none' ? 'approval' : 'callback' }}"
      prompt: Go?
      notify:
        url: "{{ inputs.hook = 'none' ? 'http://127.0.0.1:1/unused' : inputs.hook }}"
        method: POST
        body: { approve: "{{ waitpoint.approveUrl }}", callback: "{{ waitpoint.callbackUrl }}", id: "{{ waitpoint.id }}" }
  - { id: after, type: transform, with: { value: "{{ steps.review.output.decision }}" } }
`;

function serve(databaseUrl: string, logLevel = 'warn'): Promise<SlipwayProcess> {
  return startSlipwayProcess(['serve', '--port', '0', '--concurrency', '1', '--database-url', databaseUrl], {
    cwd: ROOT,
    env: {
      SLIPWAY_LEASE_TIMEOUT: '2s', SLIPWAY_POLL_INTERVAL: '100ms', SLIPWAY_HTTP_ALLOW_PRIVATE: 'true',
      SLIPWAY_SECRET_KEY: 'b'.repeat(64), SLIPWAY_LOG_LEVEL: logLevel,
    },
  });
}

for (const backend of testBackends()) describe(`waitpoints across processes [${backend}]`, () => {
  let peer: HttpPeer;
  let databaseUrl = '';
  let remove = () => {};
  const servers: SlipwayProcess[] = [];
  before(async () => {
    ({ databaseUrl, remove } = await freshDatabase(backend));
    peer = await startHttpPeer((_request, response) => sendJson(response, 200, { ok: true }));
  });
  after(async () => {
    for (const server of servers) await server.stop('SIGKILL');
    await peer.close();
    remove();
  });

  it('notify is sent after the waitpoint is committed; after kill -9 a completion raced by two processes wins once; callback secrets stay out of request logs', async () => {
    const first = await serve(databaseUrl);
    servers.push(first);
    const token = /SLIPWAY_TOKEN=(slat_\S+)/.exec(first.stdout())?.[1];
    assert.ok(token, first.output());
    const store = await openStore(parseDatabaseUrl(databaseUrl));
    const [workspace] = await store.listWorkspaces();
    await createServices(store, systemClock).workflows.applyWorkflow({ workspaceId: workspace!.id, text: WORKFLOW, publish: true });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const call = async (base: string, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${base}${API}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return { status: response.status, body: (await response.json()) as any };
    };

    const runId = (await call(first.url, 'POST', '/workflows/gate/runs', { inputs: { hook: `${peer.url}/notify` } })).body.run_id as string;
    await peer.waitFor('/notify');
    const notified = JSON.parse(peer.requests.find((r) => r.path === '/notify')!.body) as { approve: string; callback: string; id: string };
    // The notify went out after the waitpoint was committed: it is readable by its id.
    const waitpoint = (await call(first.url, 'GET', `/waitpoints/${notified.id}`)).body;
    assert.equal(waitpoint.status, 'OPEN');
    assert.equal(notified.approve, waitpoint.approve_url);
    assert.equal(notified.callback, waitpoint.callback_url);
    assert.ok(notified.approve.startsWith(first.url));

    assert.equal(await first.stop('SIGKILL'), null);
    const second = await serve(databaseUrl, 'info');
    const third = await serve(databaseUrl);
    servers.push(second, third);

    // Both processes complete the same waitpoint at once, several times each: exactly one wins.
    const attempts = await Promise.all([second, third, second, third, second, third].map((server) =>
      fetch(waitpoint.callback_url.replace(first.url, server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: server.url }) })
        .then(async (r) => ({ status: r.status, body: (await r.json()) as any }))));
    assert.ok(attempts.every((a) => a.status === 200), JSON.stringify(attempts));
    const after = (await call(second.url, 'GET', `/waitpoints/${notified.id}`)).body;
    assert.equal(after.status, 'COMPLETED');
    assert.equal(after.data.from === second.url || after.data.from === third.url, true);

    const finished = await waitFor(async () => {
      const run = (await call(second.url, 'GET', `/workflow-runs/${runId}`)).body;
      return ['COMPLETED', 'FAILED'].includes(run.status) && run;
    }, { timeoutMs: 60_000, what: 'the run finishes after the restart' });
    assert.equal(finished.status, 'COMPLETED');
    assert.equal(finished.output, 'received');
    // Exactly one completion with bearer tokens too: a second approve of an approval is 409.
    const approvalRun = (await call(second.url, 'POST', '/workflows/gate/runs', { inputs: { hook: 'none' } })).body.run_id as string;
    const approval = await waitFor(async () => (await call(second.url, 'GET', `/workflow-runs/${approvalRun}/waitpoints`)).body.data?.[0], { timeoutMs: 30_000 });
    const raced = await Promise.all([second, third, second, third].map((server) => call(server.url, 'POST', `/waitpoints/${approval.waitpoint_id}/complete`, { decision: 'approved' })));
    assert.deepEqual(raced.map((r) => r.status).sort(), [200, 409, 409, 409]);

    const secret = waitpoint.callback_url.split('/').pop();
    assert.ok(second.output().includes('/callback/[redacted]'), 'the callback request is logged, redacted');
    assert.ok(!second.output().includes(secret), 'the secret is in no log line');
    await store.close();
  });
});
