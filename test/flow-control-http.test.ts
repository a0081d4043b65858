import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

const KEYED = `
id: per-customer
name: Per customer
inputs:
  - { variableName: customerId, type: text, required: false }
concurrency: { key: "{{ inputs.customerId }}", limit: 1 }
steps:
  - { id: nap, type: delay, with: { duration: 300ms } }
`;
const QUICK = `
id: quick
name: Quick
steps:
  - { id: one, type: transform, with: { value: 1 } }
`;

/** Flow control over HTTP (SPEC §12): the create options, their errors, delay and ttl on a real worker pool. */
for (const backend of testBackends()) describe(`flow control over HTTP [${backend}]`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ backend, concurrency: 2 });
    await server.publish(KEYED);
    await server.publish(QUICK);
  });
  after(() => server.close());

  it('answers the documented errors for bad options and a key that does not evaluate', async () => {
    const create = (body: unknown) => server.api('POST', '/workflows/quick/runs', { body });
    const cases: [unknown, string][] = [
      [{ inputs: {}, priority: -1 }, 'body.priority'],
      [{ inputs: {}, priority: 86_401 }, 'body.priority'],
      [{ inputs: {}, delay: 'soon' }, 'body.delay'],
      [{ inputs: {}, delay: '30s', not_before: new Date(Date.now() + 60_000).toISOString() }, 'body.not_before'],
      [{ inputs: {}, not_before: new Date(Date.now() + 31 * 86_400_000).toISOString() }, 'body.not_before'],
      [{ inputs: {}, not_before: 'tomorrow' }, 'body.not_before'],
      [{ inputs: {}, ttl: '0s' }, 'body.ttl'],
    ];
    for (const [body, path] of cases) {
      const answer = await create(body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.error, 'invalid_request');
      assert.ok(answer.body.details.some((detail: { path: string }) => detail.path === path), JSON.stringify(answer.body));
    }
    const keyless = await server.api('POST', '/workflows/per-customer/runs', { body: { inputs: {} } });
    assert.equal(keyless.status, 400);
    assert.equal(keyless.body.error, 'invalid_inputs');
    assert.deepEqual(keyless.body.details.map((detail: { path: string }) => detail.path), ['concurrency.key']);
  });

  it('keeps the Slate answer of a plain create exactly as before', async () => {
    const answer = await server.api('POST', '/workflows/quick/runs', { body: { inputs: {} } });
    assert.equal(answer.status, 202);
    assert.deepEqual(Object.keys(answer.body), ['run_id', 'status', 'workspace_id', 'workflow_execution_id', 'status_url']);
  });

  it('starts a delayed run no earlier than asked', async () => {
    const asked = Date.now();
    const answer = await server.api('POST', '/workflows/quick/runs', { body: { inputs: {}, delay: '1500ms' } });
    assert.equal(answer.status, 202);
    const ended = await server.waitForStatus(answer.body.run_id, ['COMPLETED'], undefined, 30_000);
    const details = (await server.api('GET', `/workflow-runs/${answer.body.run_id}?include=details`)).body;
    assert.ok(Date.parse(details.started_at) >= asked + 1500, `started ${details.started_at}, asked at ${new Date(asked).toISOString()}`);
    assert.equal(ended.status, 'COMPLETED');
  });

  it('cancels a queued run whose ttl passed (cancel_reason expired, with its event), and never starts it', async () => {
    // The first run of key T holds it for its 300 ms step; the second can start only after that, past its ttl.
    const holder = await server.api('POST', '/workflows/per-customer/runs', { body: { inputs: { customerId: 'T' } } });
    assert.equal(holder.status, 202);
    const answer = await server.api('POST', '/workflows/per-customer/runs', { body: { inputs: { customerId: 'T' }, ttl: '100ms' } });
    assert.equal(answer.status, 202);
    const ended = await server.waitForStatus(answer.body.run_id, ['CANCELED', 'COMPLETED'], undefined, 30_000);
    assert.equal(ended.status, 'CANCELED');
    const details = (await server.api('GET', `/workflow-runs/${answer.body.run_id}?include=details`)).body;
    assert.equal(details.cancel_reason, 'expired');
    assert.equal(details.started_at, null);
    const events = await server.server.store.listRunEvents(answer.body.run_id, 0, 10);
    assert.deepEqual(events.map((event) => JSON.parse(event.data).status), ['QUEUED', 'CANCELED']);
  });

  it('runs one run per key at a time while another key runs beside it', async () => {
    const ids: string[] = [];
    for (const customerId of ['A', 'A', 'A', 'B']) {
      const answer = await server.api('POST', '/workflows/per-customer/runs', { body: { inputs: { customerId } } });
      assert.equal(answer.status, 202);
      ids.push(answer.body.run_id);
    }
    let maxA = 0;
    let sawBBesideA = false;
    await waitFor(async () => {
      const runs = await Promise.all(ids.map(async (id) => (await server.api('GET', `/workflow-runs/${id}`)).body));
      const activeA = runs.slice(0, 3).filter((run) => run.status === 'STARTING' || run.status === 'RUNNING').length;
      maxA = Math.max(maxA, activeA);
      if (activeA === 1 && ['STARTING', 'RUNNING'].includes(runs[3].status)) sawBBesideA = true;
      return runs.every((run) => run.status === 'COMPLETED');
    }, { timeoutMs: 60_000, intervalMs: 20 });
    assert.equal(maxA, 1);
    assert.ok(sawBBesideA, 'B ran while an A run held its key');
  });
});
