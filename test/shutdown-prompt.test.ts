import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runCli } from './support/cli.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startSlipwayProcess } from './support/slipway-process.js';
import { tempDir } from './support/test-server.js';

/** A GET over `agent`, its body read to the end (the connection then idles in the agent, kept alive). */
function get(agent: Agent, url: string): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode!, connection: response.headers.connection }));
    }).on('error', reject).end();
  });
}

/** A raw keep-alive connection with a request whose body is not sent yet: in flight at the signal. */
async function startRequestInFlight(url: string, path: string, token: string, body: string) {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`);
  return {
    /** Sends the body; resolves with the status line once the answer arrived. The socket stays open. */
    async finish(): Promise<string> {
      socket.write(body);
      while (!received.includes('\r\n\r\n')) await new Promise((resolve) => setTimeout(resolve, 20));
      return received.split('\r\n')[0]!;
    },
    closed,
    destroy: () => socket.destroy(),
  };
}

/**
 * Issue 19 item 3: at SIGTERM the process stops claiming at once, closes idle keep-alive
 * connections instead of waiting for their keep-alive timeout (72 s), and exits within
 * SLIPWAY_SHUTDOWN_GRACE plus a few seconds.
 */
describe('shutdown with keep-alive clients', () => {
  const dir = tempDir('slipway-shutdown-prompt-');
  const file = join(dir.path, 'prompt.db');
  const env = { SLIPWAY_DATABASE_URL: `sqlite:${file}`, SLIPWAY_HTTP_ALLOW_PRIVATE: 'true', SLIPWAY_POLL_INTERVAL: '50ms', SLIPWAY_SHUTDOWN_GRACE: '2s' };
  let peer: HttpPeer;
  let answerSlow: () => void = () => {};

  before(async () => {
    peer = await startHttpPeer(async (req, response) => {
      if (req.path === '/slow') await new Promise<void>((resolve) => (answerSlow = resolve));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  after(async () => {
    answerSlow();
    await peer.close();
    dir.remove();
  });

  it('exits promptly with an idle keep-alive connection open, and claims nothing after the signal', async (t) => {
    const serve = await startSlipwayProcess(['serve', '--port', '0', '--concurrency', '1'], { env });
    const token = /SLIPWAY_TOKEN=(slat_\w+)/.exec(serve.output())![1]!;
    writeFileSync(join(dir.path, 'slow.yaml'), `
id: slow
name: Slow
steps:
  - { id: call, type: http, with: { url: "${peer.url}/slow" } }
  - { id: after, type: transform, with: { value: done } }
`);
    writeFileSync(join(dir.path, 'quick.yaml'), 'id: quick\nname: Quick\nsteps:\n  - { id: only, type: transform, with: { value: 1 } }\n');
    for (const name of ['slow', 'quick']) {
      assert.equal((await runCli(['workflow', 'apply', join(dir.path, `${name}.yaml`), '--workspace', '1', '--publish'], env)).code, 0);
    }
    const create = async (workflowId: string) => {
      const response = await fetch(`${serve.url}/workflow-service/api/public/v1/workflows/${workflowId}/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: {} }),
      });
      return ((await response.json()) as { run_id: string }).run_id;
    };
    const slowRun = await create('slow');
    await peer.waitFor('/slow');
    // The only run slot is busy: this run stays QUEUED until the slot is free again.
    const queuedRun = await create('quick');

    // A keep-alive client whose connection now sits idle in its agent.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    assert.equal((await get(agent, `${serve.url}/healthz`)).status, 200);

    // And a keep-alive connection with a request in flight when the signal arrives.
    const inFlight = await startRequestInFlight(serve.url, '/workflow-service/api/public/v1/workflows/quick/runs', token, '{"inputs":{}}');

    const signalledAt = Date.now();
    const exited = serve.stop('SIGTERM', 120_000);
    await serve.waitFor(/SIGTERM: shutting down/);
    // The in-flight step ends after the signal: its run must be released, not continued,
    // and the freed slot must claim nothing.
    answerSlow();
    // The request in flight is answered; its connection is then closed by the server, not kept alive.
    assert.match(await inFlight.finish(), /^HTTP\/1\.1 (202|503)/);
    const code = await Promise.race([exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 30_000))]);
    agent.destroy();
    inFlight.destroy();
    assert.equal(code, 0, 'exited by itself, well before the 72 s keep-alive timeout');
    const seconds = (Date.now() - signalledAt) / 1000;
    assert.ok(seconds < 30, `exited ${seconds} s after the signal`);
    t.diagnostic(`exited ${seconds.toFixed(1)} s after SIGTERM (SLIPWAY_SHUTDOWN_GRACE 2 s)`);

    const db = new Database(file, { readonly: true });
    const runs = db.prepare('SELECT id, status, claim_count, lease_owner FROM runs WHERE id IN (?, ?)').all(slowRun, queuedRun) as { id: string; status: string; claim_count: number; lease_owner: string | null }[];
    const steps = db.prepare('SELECT step_id, status FROM step_attempts WHERE run_id = ?').all(slowRun) as { step_id: string; status: string }[];
    db.close();
    const byId = Object.fromEntries(runs.map((r) => [r.id, r]));
    assert.deepEqual([byId[queuedRun]!.status, byId[queuedRun]!.claim_count], ['QUEUED', 0], 'nothing claimed after the signal');
    const claimedAfter = new Database(file, { readonly: true }).prepare("SELECT count(*) AS n FROM runs WHERE workflow_id = 'quick' AND claim_count > 0").get() as { n: number };
    assert.equal(claimedAfter.n, 0, 'not the run created by the request in flight either');
    assert.deepEqual([byId[slowRun]!.status, byId[slowRun]!.lease_owner], ['RUNNING', null], 'released at the step boundary');
    assert.deepEqual(steps.map((s) => s.step_id), ['call'], 'no step started after the signal');
  });
});
