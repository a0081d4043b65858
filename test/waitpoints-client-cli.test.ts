import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSlipwayClient, SlipwayApiError, type SlipwayClient } from '../src/client/slipway-client.js';
import { runCli } from './support/cli.js';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

/** The TS client's and the CLI's side of SPEC §7, through real HTTP against a real server (and the CLI against the database too). */

const APPROVAL = `
id: gate
name: Gate
inputs:
  - { variableName: topic, type: text, required: true }
steps:
  - id: review
    type: wait
    with:
      kind: approval
      prompt: "Publish {{ inputs.topic }}?"
      onReject: continue
      fields:
        - { variableName: comment, type: text, required: true, label: Comment }
        - { variableName: score, type: integer }
        - { variableName: urgent, type: boolean }
output: "{{ steps.review.output }}"
`;

const EVENT = `
id: paid
name: Paid
inputs:
  - { variableName: orderId, type: text, required: true }
steps:
  - id: paid
    type: wait
    with: { kind: event, event: order.paid, match: "{{ data.orderId = inputs.orderId }}" }
output: "{{ steps.paid.output.data }}"
`;

const CALLBACK = `
id: job
name: Job
steps:
  - { id: job, type: wait, with: { kind: callback } }
output: "{{ steps.job.output }}"
`;

for (const backend of testBackends()) describe(`waitpoints: TS client and CLI [${backend}]`, () => {
  let t: TestServer;
  let client: SlipwayClient;
  before(async () => {
    t = await startTestServer({ backend, env: { SLIPWAY_SECRET_KEY: 'b'.repeat(64) } });
    for (const yaml of [APPROVAL, EVENT, CALLBACK]) await t.publish(yaml);
    client = createSlipwayClient({ baseUrl: t.url, token: t.token });
  });
  after(() => t.close());

  const http = () => ({ SLIPWAY_TOKEN: t.token, SLIPWAY_URL: t.url, SLIPWAY_DATABASE_URL: '' });
  const local = () => ['--database-url', t.databaseUrl];
  const openWaitpointOf = (runId: string) => waitFor(async () => (await client.listRunWaitpoints(runId)).data.find((w) => w.status === 'OPEN'), { what: `an open waitpoint of ${runId}`, timeoutMs: 30_000 });

  it('client: the inbox with filters, one waitpoint, a run\'s waitpoints, completing with form data', async () => {
    const { run_id: runId } = await client.createRun('gate', { inputs: { topic: 'spring' } });
    const opened = await openWaitpointOf(runId);
    assert.equal(opened.kind, 'approval');
    assert.equal(opened.prompt, 'Publish spring?');

    const inbox = await client.listWaitpoints({ status: 'OPEN', kind: 'approval', workflow_id: 'gate' });
    assert.ok(inbox.data.some((w) => w.waitpoint_id === opened.waitpoint_id));
    assert.equal(inbox.pagination.page, 1);
    assert.equal((await client.listWaitpoints({ kind: 'event', workflow_id: 'gate' })).data.length, 0);
    assert.equal((await client.listWaitpoints({ workflow_id: 'paid' })).data.length, 0);
    const one = await client.getWaitpoint(opened.waitpoint_id);
    assert.deepEqual(one.fields?.map((f) => f.variableName), ['comment', 'score', 'urgent']);

    await assert.rejects(client.completeWaitpoint(opened.waitpoint_id, { decision: 'approved', data: { score: 'x' } }), (error: unknown) => {
      assert.ok(error instanceof SlipwayApiError);
      assert.equal(error.status, 400);
      assert.equal(error.body.error, 'invalid_inputs');
      assert.deepEqual(error.body.details?.map((d) => d.path).sort(), ['data.comment', 'data.score']);
      return true;
    });
    const done = await client.completeWaitpoint(opened.waitpoint_id, { decision: 'approved', data: { comment: 'go', score: 3 } });
    assert.equal(done.status, 'COMPLETED');
    assert.equal(done.decision, 'approved');
    assert.equal(done.completed_by, 'test');
    await assert.rejects(client.completeWaitpoint(opened.waitpoint_id, { decision: 'rejected' }), (error: unknown) =>
      error instanceof SlipwayApiError && error.status === 409 && error.body.error === 'waitpoint_not_open');
    const run = await client.waitForRun(runId, { timeoutMs: 30_000 });
    assert.equal(run.status, 'COMPLETED');
    assert.deepEqual((run.output as { data: unknown }).data, { comment: 'go', score: 3 });
    const [listed] = (await client.listRunWaitpoints(runId)).data;
    assert.equal(listed?.status, 'COMPLETED');
    await assert.rejects(client.getWaitpoint('nope'), (error: unknown) => error instanceof SlipwayApiError && error.status === 404);
  });

  it('client: sendEvent matches one of two waiting runs; the same id again is replayed', async () => {
    const a = (await client.createRun('paid', { inputs: { orderId: 'A' } })).run_id;
    const b = (await client.createRun('paid', { inputs: { orderId: 'B' } })).run_id;
    await openWaitpointOf(a);
    await openWaitpointOf(b);
    const sent = await client.sendEvent({ name: 'order.paid', data: { orderId: 'A', total: 9 }, id: `evt-client-${backend}` });
    assert.equal(sent.matched, 1);
    assert.equal(sent.replayed, false);
    assert.equal(sent.event_id, `evt-client-${backend}`);
    assert.deepEqual((await client.waitForRun(a, { timeoutMs: 30_000 })).output, { orderId: 'A', total: 9 });
    const again = await client.sendEvent({ name: 'order.paid', data: { orderId: 'B' }, id: `evt-client-${backend}` });
    assert.deepEqual({ matched: again.matched, replayed: again.replayed }, { matched: 0, replayed: true });
    assert.equal((await client.getRun(b)).status, 'RUNNING');
    assert.equal((await client.sendEvent({ name: 'order.paid', data: { orderId: 'B' } })).matched, 1);
    assert.equal((await client.waitForRun(b, { timeoutMs: 30_000 })).status, 'COMPLETED');
  });

  it('CLI over HTTP: waitpoint list, approve with typed --data, reject; event send', async () => {
    // One after the other: the inbox is ordered by when the waitpoints opened.
    const approved = (await client.createRun('gate', { inputs: { topic: 'cli' } })).run_id;
    const wa = await openWaitpointOf(approved);
    const rejected = (await client.createRun('gate', { inputs: { topic: 'nope' } })).run_id;
    const wr = await openWaitpointOf(rejected);

    const list = await runCli(['waitpoint', 'list', '--kind', 'approval'], http());
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${wa.waitpoint_id}\\tapproval\\tOPEN\\tgate\\trun ${approved}\\tPublish cli\\?`));
    assert.ok(list.stdout.indexOf(wr.waitpoint_id) < list.stdout.indexOf(wa.waitpoint_id), 'newest first');
    const listJson = JSON.parse((await runCli(['waitpoint', 'list', '--workflow', 'gate', '--json'], http())).stdout);
    assert.ok(listJson.data.every((w: { status: string }) => w.status === 'OPEN'));

    const invalid = await runCli(['waitpoint', 'approve', wa.waitpoint_id, '--data', 'score=high'], http());
    assert.notEqual(invalid.code, 0);
    assert.match(invalid.stderr, /invalid_inputs[\s\S]*data\.comment: is required/);
    const ok = await runCli(['waitpoint', 'approve', wa.waitpoint_id, '--data', 'comment=fine by me', '--data', 'score=4', '--data', 'urgent=true', '--json'], http());
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).decision, 'approved');
    assert.deepEqual((await client.waitForRun(approved, { timeoutMs: 30_000 })).output, { decision: 'approved', data: { comment: 'fine by me', score: 4, urgent: true }, by: 'test', at: JSON.parse(ok.stdout).completed_at });

    const no = await runCli(['waitpoint', 'reject', wr.waitpoint_id], http());
    assert.equal(no.code, 0, no.stderr);
    assert.match(no.stdout, new RegExp(`${wr.waitpoint_id} COMPLETED rejected`));
    assert.equal(((await client.waitForRun(rejected, { timeoutMs: 30_000 })).output as { decision: string }).decision, 'rejected');
    const twice = await runCli(['waitpoint', 'reject', wr.waitpoint_id], http());
    assert.notEqual(twice.code, 0);
    assert.match(twice.stderr, /409 waitpoint_not_open/);

    const waiting = (await client.createRun('paid', { inputs: { orderId: 'C-7' } })).run_id;
    await openWaitpointOf(waiting);
    const sent = await runCli(['event', 'send', 'order.paid', '--data', 'orderId=C-7', '--data', 'total=12', '--id', `cli-${backend}`], http());
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, /matched 1/);
    assert.deepEqual((await client.waitForRun(waiting, { timeoutMs: 30_000 })).output, { orderId: 'C-7', total: 12 });
    const replayed = await runCli(['event', 'send', 'order.paid', '--data-json', '{"orderId":"C-7"}', '--id', `cli-${backend}`, '--json'], http());
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.deepEqual(JSON.parse(replayed.stdout), { event_id: `cli-${backend}`, matched: 0, replayed: true });
  });

  it('CLI against the database: list, approve (by "slipway CLI"), complete a callback by hand', async () => {
    const runId = (await client.createRun('gate', { inputs: { topic: 'db' } })).run_id;
    const w = await openWaitpointOf(runId);
    const ws = ['--workspace', String(t.workspaceId)];
    const list = await runCli([...local(), 'waitpoint', 'list', ...ws, '--json'], { SLIPWAY_TOKEN: '' });
    assert.equal(list.code, 0, list.stderr);
    assert.ok(JSON.parse(list.stdout).data.some((x: { waitpoint_id: string }) => x.waitpoint_id === w.waitpoint_id));
    const done = await runCli([...local(), 'waitpoint', 'approve', w.waitpoint_id, ...ws, '--data', 'comment=from the database'], { SLIPWAY_TOKEN: '' });
    assert.equal(done.code, 0, done.stderr);
    const run = await client.waitForRun(runId, { timeoutMs: 30_000 });
    assert.equal((run.output as { by: string }).by, 'slipway CLI');

    const job = (await client.createRun('job', { inputs: {} })).run_id;
    const cw = await openWaitpointOf(job);
    const approveCallback = await runCli(['waitpoint', 'approve', cw.waitpoint_id], http());
    assert.notEqual(approveCallback.code, 0);
    assert.match(approveCallback.stderr, /takes data only/);
    const handDone = await runCli([...local(), 'waitpoint', 'complete', cw.waitpoint_id, ...ws, '--data', 'result=42'], { SLIPWAY_TOKEN: '' });
    assert.equal(handDone.code, 0, handDone.stderr);
    const finished = await client.waitForRun(job, { timeoutMs: 30_000 });
    assert.deepEqual((finished.output as { data: unknown }).data, { result: 42 });
    const all = await runCli(['waitpoint', 'list', '--all', '--workflow', 'job'], http());
    assert.match(all.stdout, new RegExp(`${cw.waitpoint_id}\\tcallback\\tCOMPLETED\\tjob[^\\n]*received by slipway CLI`));
  });
});
