import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * Time limits that must fire while the garbage collector runs. On Node 20, an
 * `AbortSignal.timeout()` held only by an `AbortSignal.any()` can be collected before it
 * fires, and the combined signal then never aborts: a `?wait=N` long-poll answered only when
 * the run ended, and an http step's `timeout` never cut a silent peer off. The server runs in
 * this process, so collecting here collects its signals.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** `promise`, or a rejection after `ms` (so a time limit that never fires fails the test instead of hanging it). */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const guard = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms)));
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

describe('time limits under garbage collection', () => {
  let t: TestServer;
  let peer: HttpPeer;
  let collecting: NodeJS.Timeout;
  before(async () => {
    // A peer that never answers.
    peer = await startHttpPeer(() => {});
    t = await startTestServer({ concurrency: 1, env: { SLIPWAY_HTTP_ALLOW_PRIVATE: 'true' } });
    await t.publish('id: nap\nname: Nap\nsteps:\n  - { id: sleep, type: delay, with: { duration: 1h } }\n');
    await t.publish(`id: silent\nname: Silent\nsteps:\n  - { id: call, type: http, with: { url: "${peer.url}/never", timeout: 300ms } }\n`);
    collecting = setInterval(gc, 20);
  });
  after(async () => {
    clearInterval(collecting);
    await t.close();
    await peer.close();
  });

  it('a long-poll answers after its N seconds with the current state', async () => {
    const created = await t.api('POST', '/workflows/nap/runs', { body: { inputs: {} } });
    assert.equal(created.status, 202);
    const answered = await within(15_000, t.api('GET', `/workflow-runs/${created.body.run_id}?wait=1`), 'GET ?wait=1');
    assert.equal(answered.status, 200);
    assert.ok(['QUEUED', 'STARTING', 'RUNNING'].includes(answered.body.status), answered.body.status);
  });

  it("an http step's timeout cuts off a peer that never answers", async () => {
    const created = await t.api('POST', '/workflows/silent/runs', { body: { inputs: {} } });
    const run = await within(20_000, t.waitForStatus(created.body.run_id, ['FAILED', 'COMPLETED']), 'the http step');
    assert.equal(run.status, 'FAILED');
    assert.match(run.error.message, /no answer within 300 ms/);
  });
});
