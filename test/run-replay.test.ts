import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

/** Three steps in a chain against a counting peer: its counters say which steps really ran. */
const CHAIN = `
id: chain
name: Chain
inputs:
  - { variableName: base, type: text, required: true }
  - { variableName: tag, type: text, default: "one" }
steps:
  - { id: a, type: http, with: { url: "{{ inputs.base }}/a" } }
  - { id: b, type: http, with: { url: "{{ inputs.base }}/b" } }
  - { id: c, type: http, with: { url: "{{ inputs.base }}/c" } }
output: "{{ inputs.tag }}"
`;

const MAPPED = `
id: mapped
name: Mapped
inputs:
  - { variableName: base, type: text, required: true }
steps:
  - id: each
    type: map
    with:
      items: [1, 2, 3]
      steps:
        - { id: call, type: http, with: { url: "{{ inputs.base }}/item/{{ item }}" } }
`;

for (const backend of testBackends()) describe(`run control: replay [${backend}]`, () => {
  let t: TestServer;
  let peer: HttpPeer;
  let failing = new Set<string>();
  before(async () => {
    peer = await startHttpPeer((request, response) => {
      response.statusCode = failing.has(request.path) ? 500 : 200;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ path: request.path }));
    });
    t = await startTestServer({ backend, concurrency: 2, env: { SLIPWAY_HTTP_ALLOW_PRIVATE: 'true' } });
    await t.publish(CHAIN);
    await t.publish(MAPPED);
  });
  after(async () => {
    await t.close();
    await peer.close();
  });

  const counts = () => ({ a: peer.count('/a'), b: peer.count('/b'), c: peer.count('/c') });
  async function finished(runId: string) {
    return t.waitForStatus(runId, ['COMPLETED', 'FAILED', 'CANCELED'], t.token, 60_000);
  }
  async function replay(runId: string, body: unknown, headers: Record<string, string> = {}) {
    return t.api('POST', `/workflow-runs/${runId}/replay`, { body, headers });
  }
  async function reusedOf(runId: string): Promise<Record<string, string | undefined>> {
    const steps = await t.api('GET', `/workflow-runs/${runId}/steps`);
    assert.equal(steps.status, 200);
    return Object.fromEntries(steps.body.data.map((s: any) => [s.id, s.reused_from]));
  }

  it('replays from @failed, from a middle step and in full, running exactly the steps it should', async () => {
    peer.requests.length = 0;
    failing = new Set(['/b']);
    const created = await t.api('POST', '/workflows/chain/runs', { body: { inputs: { base: peer.url } } });
    assert.equal(created.status, 202);
    const source = await finished(created.body.run_id);
    assert.equal(source.status, 'FAILED');
    assert.deepEqual(counts(), { a: 1, b: 1, c: 0 });

    failing = new Set();
    const fromFailed = await replay(source.run_id, { from_step: '@failed' });
    assert.equal(fromFailed.status, 202, JSON.stringify(fromFailed.body));
    const replayed = await finished(fromFailed.body.run_id);
    assert.equal(replayed.status, 'COMPLETED', JSON.stringify(replayed.error));
    assert.deepEqual(counts(), { a: 1, b: 2, c: 1 }, 'only the failed step and its descendant ran again');
    assert.deepEqual(await reusedOf(replayed.run_id), { a: source.run_id, b: undefined, c: undefined });
    const details = await t.api('GET', `/workflow-runs/${replayed.run_id}?include=details`);
    assert.deepEqual(details.body.replayed_from, { run_id: source.run_id, from_step: '@failed' });
    assert.equal(details.body.trigger.type, 'replay');

    const fromMiddle = await replay(replayed.run_id, { from_step: 'b' });
    assert.equal(fromMiddle.status, 202);
    assert.equal((await finished(fromMiddle.body.run_id)).status, 'COMPLETED');
    assert.deepEqual(counts(), { a: 1, b: 3, c: 2 });
    // The copied checkpoint names the run it was copied from, which itself reused it.
    assert.deepEqual(await reusedOf(fromMiddle.body.run_id), { a: replayed.run_id, b: undefined, c: undefined });

    const full = await replay(replayed.run_id, { inputs: { base: peer.url, tag: 'two' } });
    assert.equal(full.status, 202);
    const fullRun = await finished(full.body.run_id);
    assert.equal(fullRun.status, 'COMPLETED');
    assert.equal(fullRun.output, 'two', 'a full replay takes the given inputs');
    assert.deepEqual(counts(), { a: 2, b: 4, c: 3 });
  });

  it('re-runs only the failed items of a map from @failed', async () => {
    peer.requests.length = 0;
    failing = new Set(['/item/2']);
    const created = await t.api('POST', '/workflows/mapped/runs', { body: { inputs: { base: peer.url } } });
    const source = await finished(created.body.run_id);
    assert.equal(source.status, 'FAILED');
    const before = ['/item/1', '/item/2', '/item/3'].map((p) => peer.count(p));
    failing = new Set();
    const again = await replay(source.run_id, { from_step: '@failed' });
    assert.equal(again.status, 202, JSON.stringify(again.body));
    assert.equal((await finished(again.body.run_id)).status, 'COMPLETED');
    const afterCounts = ['/item/1', '/item/2', '/item/3'].map((p) => peer.count(p));
    assert.equal(afterCounts[1]! - before[1]!, 1, 'the failed item ran again');
    const others = [0, 2].filter((i) => before[i]! > 0);
    for (const i of others) assert.equal(afterCounts[i], before[i], `item ${i + 1}, done in the source run, did not run again`);
  });

  it('is idempotent with an Idempotency-Key', async () => {
    failing = new Set();
    const created = await t.api('POST', '/workflows/chain/runs', { body: { inputs: { base: peer.url } } });
    const source = await finished(created.body.run_id);
    const headers = { 'Idempotency-Key': `replay-${source.run_id}` };
    const first = await replay(source.run_id, {}, headers);
    const second = await replay(source.run_id, {}, headers);
    assert.equal(first.status, 202);
    assert.equal(second.status, 202);
    assert.equal(second.body.run_id, first.body.run_id);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.notEqual(first.body.run_id, source.run_id);
  });

  it('refuses inputs with from_step, an unknown step, @failed without failures, and an unfinished run', async () => {
    failing = new Set();
    const created = await t.api('POST', '/workflows/chain/runs', { body: { inputs: { base: peer.url } } });
    const done = await finished(created.body.run_id);
    const withInputs = await replay(done.run_id, { from_step: 'b', inputs: { base: peer.url } });
    assert.equal(withInputs.status, 400);
    assert.equal(withInputs.body.error, 'invalid_request');
    const unknown = await replay(done.run_id, { from_step: 'nope' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error, 'invalid_request');
    const noFailure = await replay(done.run_id, { from_step: '@failed' });
    assert.equal(noFailure.status, 409);
    assert.equal(noFailure.body.error, 'replay_incompatible');
    const missing = await replay('no-such-run', {});
    assert.equal(missing.status, 404);

    await t.publish(`
id: slow
name: Slow
steps:
  - { id: nap, type: delay, with: { duration: 1h } }
`);
    const slow = await t.api('POST', '/workflows/slow/runs', { body: { inputs: {} } });
    const unfinished = await replay(slow.body.run_id, {});
    assert.equal(unfinished.status, 409);
    assert.equal(unfinished.body.error, 'run_not_finished');
    assert.equal((await t.api('POST', `/workflow-runs/${slow.body.run_id}/abort`)).status, 202);
  });
});
