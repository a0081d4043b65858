import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

const KEY = 'a'.repeat(64);

const APPROVAL = `
id: review
name: Review
inputs:
  - { variableName: url, type: text, required: true }
steps:
  - id: review
    type: wait
    with:
      kind: approval
      prompt: "Publish {{ inputs.url }}?"
      onReject: "{{ inputs.url = 'continue' ? 'continue' : 'fail' }}"
      fields:
        - { variableName: comment, type: text, required: true, label: Comment }
        - { variableName: score, type: integer }
  - id: after
    type: transform
    with: { value: { decision: "{{ steps.review.output.decision }}", data: "{{ steps.review.output.data }}", by: "{{ steps.review.output.by }}" } }
`;

const CALLBACK = `
id: hook
name: Hook
steps:
  - { id: job, type: wait, with: { kind: callback } }
  - { id: after, type: transform, with: { value: "{{ steps.job.output }}" } }
`;

const EVENT = `
id: order
name: Order
inputs:
  - { variableName: orderId, type: text, required: true }
steps:
  - id: paid
    type: wait
    with: { kind: event, event: order.paid, match: "{{ data.orderId = inputs.orderId }}" }
  - { id: after, type: transform, with: { value: "{{ steps.paid.output.data }}" } }
`;

const TIMEOUT = `
id: slow
name: Slow
inputs:
  - { variableName: mode, type: text, required: true }
steps:
  - id: gate
    type: wait
    with: { kind: approval, timeout: 300ms, onTimeout: "{{ inputs.mode }}" }
  - { id: after, type: transform, with: { value: "{{ steps.gate.output.decision }}" } }
`;

const RUN_TIMEOUT = `
id: bounded
name: Bounded
timeout: 500ms
steps:
  - { id: gate, type: wait, with: { kind: approval } }
`;

const QUICK = `
id: quick
name: Quick
steps:
  - { id: one, type: transform, with: { value: 1 } }
`;

for (const backend of testBackends()) describe(`waitpoints over HTTP [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 1, env: { SLIPWAY_SECRET_KEY: KEY } });
    for (const yaml of [APPROVAL, CALLBACK, EVENT, TIMEOUT, RUN_TIMEOUT, QUICK]) await t.publish(yaml);
  });
  after(() => t.close());

  const start = async (workflowId: string, inputs: Record<string, unknown> = {}, token?: string) => {
    const created = await t.api('POST', `/workflows/${workflowId}/runs`, { body: { inputs }, ...(token ? { token } : {}) });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    return created.body.run_id as string;
  };
  const openWaitpoint = (runId: string) => waitFor(async () => {
    const listed = await t.api('GET', `/workflow-runs/${runId}/waitpoints`);
    return listed.body.data?.find((w: { status: string }) => w.status === 'OPEN');
  }, { what: `an open waitpoint of ${runId}`, timeoutMs: 30_000 });

  it('an approval with form data completes the step; the data is checked against fields', async () => {
    const runId = await start('review', { url: 'example.com' });
    const waitpoint = await openWaitpoint(runId);
    assert.equal(waitpoint.kind, 'approval');
    assert.equal(waitpoint.prompt, 'Publish example.com?');
    assert.match(waitpoint.approve_url, new RegExp(`/approvals/${waitpoint.waitpoint_id}$`));
    assert.equal(waitpoint.callback_url, null);
    const run = (await t.api('GET', `/workflow-runs/${runId}`)).body;
    assert.equal(run.status, 'RUNNING');
    const inbox = await t.api('GET', '/waitpoints?status=OPEN&kind=approval');
    assert.ok(inbox.body.data.some((w: { waitpoint_id: string }) => w.waitpoint_id === waitpoint.waitpoint_id));
    assert.equal(inbox.body.pagination.page, 1);

    const bad = await t.api('POST', `/waitpoints/${waitpoint.waitpoint_id}/complete`, { body: { decision: 'approved', data: { score: 'high' } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid_inputs');
    assert.deepEqual(bad.body.details.map((d: { path: string }) => d.path).sort(), ['data.comment', 'data.score']);

    const done = await t.api('POST', `/waitpoints/${waitpoint.waitpoint_id}/complete`, { body: { decision: 'approved', data: { comment: 'ship it', score: 5 } } });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.status, 'COMPLETED');
    assert.equal(done.body.completed_by, 'test');
    const again = await t.api('POST', `/waitpoints/${waitpoint.waitpoint_id}/complete`, { body: { decision: 'rejected' } });
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'waitpoint_not_open');

    const finished = await t.waitForStatus(runId, ['COMPLETED', 'FAILED']);
    assert.equal(finished.status, 'COMPLETED');
    assert.deepEqual(finished.output, { decision: 'approved', data: { comment: 'ship it', score: 5 }, by: 'test' });
  });

  it('a rejection fails the run, or continues with decision rejected', async () => {
    const failing = await start('review', { url: 'fail' });
    const w1 = await openWaitpoint(failing);
    assert.equal((await t.api('POST', `/waitpoints/${w1.waitpoint_id}/complete`, { body: { decision: 'rejected' } })).status, 200);
    const failed = await t.waitForStatus(failing, ['COMPLETED', 'FAILED']);
    assert.equal(failed.status, 'FAILED');
    assert.equal(failed.error.code, 'WORKFLOW_FAILED');
    assert.match(failed.error.message, /rejected/);

    const continuing = await start('review', { url: 'continue' });
    const w2 = await openWaitpoint(continuing);
    assert.equal((await t.api('POST', `/waitpoints/${w2.waitpoint_id}/complete`, { body: { decision: 'rejected' } })).status, 200);
    const continued = await t.waitForStatus(continuing, ['COMPLETED', 'FAILED']);
    assert.equal(continued.status, 'COMPLETED');
    assert.equal(continued.output.decision, 'rejected');
  });

  it('a callback completes with the right secret only; a repeat is a 200 no-op', async () => {
    const runId = await start('hook');
    const listed = await openWaitpoint(runId);
    assert.equal(listed.kind, 'callback');
    const waitpoint = (await t.api('GET', `/waitpoints/${listed.waitpoint_id}`)).body;
    assert.match(waitpoint.callback_url, /\/callback\/[A-Za-z0-9_-]{20,}$/);
    const path = new URL(waitpoint.callback_url).pathname;
    const secret = path.split('/').pop()!;
    const wrongSecret = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    for (const wrong of [wrongSecret, 'x', `${secret}x`]) {
      const refused = await t.api('POST', `//${path.replace(secret, wrong)}`.replace('///', '//'), { token: null, body: { ok: true } });
      assert.equal(refused.status, 404, wrong);
    }
    const notJson = await t.api('POST', `/${path.replace(/^\/workflow-service\/api\/public\/v1\//, '')}`, { token: null, rawBody: 'hi', headers: { 'content-type': 'text/plain' } });
    assert.equal(notJson.status, 415);
    const done = await fetch(waitpoint.callback_url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ result: 42 }) });
    assert.equal(done.status, 200);
    const repeat = await fetch(waitpoint.callback_url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ result: 7 }) });
    assert.equal(repeat.status, 200);
    const finished = await t.waitForStatus(runId, ['COMPLETED', 'FAILED']);
    assert.equal(finished.status, 'COMPLETED');
    assert.equal(finished.output.decision, 'received');
    assert.deepEqual(finished.output.data, { result: 42 });
    assert.equal(finished.output.by, 'callback');
    // The secret appears in no event of the run.
    const events = await t.api('GET', `/workflow-runs/${runId}/events`);
    assert.ok(!JSON.stringify(events.body).includes(secret));
  });

  it('an event completes the one of two waiting runs it matches; a repeated id matches nothing', async () => {
    const a = await start('order', { orderId: 'A' });
    const b = await start('order', { orderId: 'B' });
    await openWaitpoint(a);
    await openWaitpoint(b);
    const sent = await t.api('POST', '/events', { body: { name: 'order.paid', data: { orderId: 'B', amount: 3 }, id: 'evt-1' } });
    assert.equal(sent.status, 202);
    assert.equal(sent.body.matched, 1);
    const doneB = await t.waitForStatus(b, ['COMPLETED', 'FAILED']);
    assert.deepEqual(doneB.output, { orderId: 'B', amount: 3 });
    assert.equal((await t.api('GET', `/workflow-runs/${a}`)).body.status, 'RUNNING');

    const replay = await t.api('POST', '/events', { body: { name: 'order.paid', data: { orderId: 'A' }, id: 'evt-1' } });
    assert.equal(replay.status, 202);
    assert.equal(replay.body.matched, 0);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal((await t.api('GET', `/workflow-runs/${a}`)).body.status, 'RUNNING');
    const fresh = await t.api('POST', '/events', { body: { name: 'order.paid', data: { orderId: 'A' }, id: 'evt-2' } });
    assert.equal(fresh.body.matched, 1);
    assert.equal((await t.waitForStatus(a, ['COMPLETED', 'FAILED'])).status, 'COMPLETED');
  });

  it('a wait times out: fail or continue', async () => {
    const failing = await start('slow', { mode: 'fail' });
    const continuing = await start('slow', { mode: 'continue' });
    const failed = await t.waitForStatus(failing, ['COMPLETED', 'FAILED']);
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.error.message, /timed out/);
    const continued = await t.waitForStatus(continuing, ['COMPLETED', 'FAILED']);
    assert.equal(continued.status, 'COMPLETED');
    assert.equal(continued.output, 'timed_out');
    const [w] = (await t.api('GET', `/workflow-runs/${failing}/waitpoints`)).body.data;
    assert.equal(w.status, 'TIMED_OUT');
    assert.equal(w.decision, 'timed_out');
  });

  it("a run's own timeout ends its open waitpoint TIMED_OUT", async () => {
    const runId = await start('bounded');
    const finished = await t.waitForStatus(runId, ['COMPLETED', 'FAILED']);
    assert.equal(finished.error.code, 'TIMEOUT');
    const [w] = (await t.api('GET', `/workflow-runs/${runId}/waitpoints`)).body.data;
    assert.equal(w.status, 'TIMED_OUT');
  });

  it('a waiting run holds no slot: with one slot another run completes meanwhile', async () => {
    const waiting = await start('hook');
    await openWaitpoint(waiting);
    const quick = await start('quick');
    assert.equal((await t.waitForStatus(quick, ['COMPLETED', 'FAILED'])).status, 'COMPLETED');
    assert.equal((await t.api('GET', `/workflow-runs/${waiting}`)).body.status, 'RUNNING');
  });

  it("another workspace's waitpoints answer 404 to reads and completions", async () => {
    const runId = await start('hook');
    const w = await openWaitpoint(runId);
    const other = await t.newWorkspace();
    assert.equal((await t.api('GET', `/waitpoints/${w.waitpoint_id}`, { token: other.token })).status, 404);
    assert.equal((await t.api('GET', `/workflow-runs/${runId}/waitpoints`, { token: other.token })).status, 404);
    assert.equal((await t.api('POST', `/waitpoints/${w.waitpoint_id}/complete`, { token: other.token, body: { data: {} } })).status, 404);
    assert.equal((await t.api('GET', '/waitpoints', { token: other.token })).body.data.length, 0);
    assert.equal((await t.api('POST', '/events', { token: other.token, body: { name: 'order.paid', data: { orderId: 'A' } } })).body.matched, 0);
    assert.equal((await t.api('GET', '/waitpoints/nope')).status, 404);
  });

  it('a wait step takes no step-level retry or timeout (apply-time error)', async () => {
    for (const extra of ['retry: { maxAttempts: 2 }', 'timeout: 5s']) {
      const yaml = `id: bad\nname: Bad\nsteps:\n  - id: w\n    type: wait\n    ${extra}\n    with: { kind: approval }\n`;
      const answer = await t.api('PUT', '/workflows/bad', { rawBody: yaml, headers: { 'content-type': 'application/yaml' } });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
    }
  });
});
