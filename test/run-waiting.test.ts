import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';
import {
  DELAY_WORKFLOW as DELAYED, flakyStep, GATE_WORKFLOW as GATE, HOLD_WORKFLOW as HOLD, holdStep, releasedHolds as released, RETRY_WORKFLOW as RETRY,
} from './support/waiting-steps.js';

const PARENT = `
id: parent
name: Parent
steps:
  - { id: child, type: workflow, with: { workflow: gate } }
`;
const KEYED = `
id: keyed
name: Keyed
inputs:
  - { variableName: customer, type: text, required: true }
  - { variableName: tag, type: text, required: true }
concurrency: { key: "{{ inputs.customer }}", limit: 1 }
steps:
  - { id: hold, type: hold, with: { tag: "{{ inputs.tag }}" } }
`;
const SLATE_RUN_KEYS = ['completed_at', 'created_at', 'error', 'metadata', 'output', 'run_id', 'status', 'updated_at', 'workflow_execution_id', 'workflow_id', 'workspace_id'];

for (const backend of testBackends()) describe(`why is this run waiting [${backend}]`, () => {
  let app: TestServer;
  before(async () => {
    app = await startTestServer({ backend, concurrency: 1, extraStepTypes: [holdStep, flakyStep] });
    for (const yaml of [HOLD, GATE, PARENT, RETRY, DELAYED, KEYED]) await app.publish(yaml);
  });
  after(() => app.close());

  async function details(runId: string) {
    const response = await app.api('GET', `/workflow-runs/${runId}?include=details`);
    assert.equal(response.status, 200);
    return response.body;
  }
  async function create(workflowId: string, inputs: Record<string, unknown> = {}): Promise<string> {
    const response = await app.api('POST', `/workflows/${workflowId}/runs`, { body: { inputs } });
    assert.equal(response.status, 202);
    return response.body.run_id;
  }
  const waitingReason = (runId: string, reason: string) =>
    waitFor(async () => {
      const run = await details(runId);
      return run.waiting?.reason === reason && run;
    }, { timeoutMs: 30_000, intervalMs: 50 });

  it('queue: with the one slot busy, queued runs say how many are ahead and how many workers are live; a running step says null', async () => {
    const tag = (name: string) => `${backend}-${name}`;
    const busy = await create('hold', { tag: tag('busy') });
    const running = await waitFor(async () => {
      const run = await details(busy);
      return run.status === 'RUNNING' && run;
    }, { timeoutMs: 30_000 });
    assert.equal(running.waiting, null);
    const first = await create('hold', { tag: tag('first') });
    const second = await create('hold', { tag: tag('second') });
    const firstRun = await details(first);
    const secondRun = await details(second);
    assert.equal(firstRun.waiting.reason, 'queue');
    assert.deepEqual(firstRun.waiting.detail, { position: 0, workers: 1 });
    assert.equal(firstRun.waiting.since, firstRun.created_at);
    assert.deepEqual(secondRun.waiting.detail, { position: 1, workers: 1 });
    // The list items carry the same answer (the dashboard's labels).
    const list = await app.api('GET', '/workflow-runs?workflow_id=hold&limit=10');
    const listed = list.body.data.find((item: { run_id: string }) => item.run_id === second);
    assert.deepEqual(listed.waiting, secondRun.waiting);
    // The Slate answer has no `waiting` (nor any other extension).
    const plain = await app.api('GET', `/workflow-runs/${second}`);
    assert.deepEqual(Object.keys(plain.body).sort(), SLATE_RUN_KEYS);
    // GET /workers: the one live worker, with this workspace's run on it.
    // The heartbeat reports a change of its active runs within about a second.
    const workers = await waitFor(async () => {
      const response = await app.api('GET', '/workers');
      return response.body.data?.[0]?.active_runs.length === 1 && response;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    assert.equal(workers.status, 200);
    assert.equal(workers.body.data.length, 1);
    const [worker] = workers.body.data;
    assert.equal(worker.worker_id, app.server.pool.workerId);
    assert.equal(worker.pid, process.pid);
    assert.equal(worker.concurrency, 1);
    assert.deepEqual(worker.active_runs, [busy]);
    // Another workspace sees the worker but none of these runs.
    const other = await app.newWorkspace();
    const seenByOther = await app.api('GET', '/workers', { token: other.token });
    assert.deepEqual(seenByOther.body.data.map((w: { active_runs: string[] }) => w.active_runs), [[]]);
    for (const name of ['busy', 'first', 'second']) released.add(tag(name));
    for (const runId of [busy, first, second]) await app.waitForStatus(runId, ['COMPLETED']);
    assert.equal((await details(second)).waiting, null);
  });

  it('concurrency_key: a second run of a key at its limit says who holds it, before its place in the queue', async () => {
    const tag = (name: string) => `${backend}-key-${name}`;
    const holder = await create('keyed', { customer: 'customer A', tag: tag('holder') });
    await waitFor(async () => (await details(holder)).status === 'RUNNING', { timeoutMs: 30_000 });
    const held = await create('keyed', { customer: 'customer A', tag: tag('held') });
    const other = await create('keyed', { customer: 'customer B', tag: tag('other') });
    const heldRun = await details(held);
    assert.equal(heldRun.waiting.reason, 'concurrency_key');
    assert.deepEqual(heldRun.waiting.detail, { key: 'customer A', limit: 1, running: 1 });
    // Another key is not held: it waits for the (busy) slot.
    assert.equal((await details(other)).waiting.reason, 'queue');
    for (const name of ['holder', 'held', 'other']) released.add(tag(name));
    for (const runId of [holder, held, other]) await app.waitForStatus(runId, ['COMPLETED']);
  });

  it('waitpoint and child_run: a parent waits on its child, the child on its approval', async () => {
    const parent = await create('parent');
    const waitingParent = await waitingReason(parent, 'child_run');
    const childId = waitingParent.waiting.detail.run_id;
    assert.equal(waitingParent.status, 'RUNNING');
    const child = await waitingReason(childId, 'waitpoint');
    const waitpoints = await app.api('GET', `/workflow-runs/${childId}/waitpoints`);
    const [waitpoint] = waitpoints.body.data;
    assert.deepEqual(child.waiting.detail, { waitpoint_id: waitpoint.waitpoint_id, kind: 'approval', expires_at: waitpoint.expires_at });
    assert.ok(child.waiting.detail.expires_at !== null);
    assert.equal(child.waiting.since, waitpoint.created_at);
    const approved = await app.api('POST', `/waitpoints/${waitpoint.waitpoint_id}/complete`, { body: { decision: 'approved' } });
    assert.ok(approved.status < 300, JSON.stringify(approved.body));
    await app.waitForStatus(parent, ['COMPLETED']);
    assert.equal((await details(parent)).waiting, null);
  });

  it('retry: a failed step waiting for its next attempt says which attempt of how many, until when', async () => {
    const runId = await create('retrying');
    const run = await waitingReason(runId, 'retry');
    assert.deepEqual(run.waiting.detail, { step_id: 'shaky', attempt: 2, max_attempts: 3 });
    const until = Date.parse(run.waiting.until);
    assert.ok(until - Date.parse(run.waiting.since) >= 59 * 60_000, `retry at ${run.waiting.until}`);
    await app.api('POST', `/workflow-runs/${runId}/abort`);
    await app.waitForStatus(runId, ['FAILED']);
  });

  it('delay: a delay step waits until it ends', async () => {
    const runId = await create('delayed');
    const run = await waitingReason(runId, 'delay');
    assert.deepEqual(run.waiting.detail, { step_id: 'pause' });
    assert.ok(Date.parse(run.waiting.until) - Date.parse(run.waiting.since) >= 59 * 60_000);
    assert.equal(run.status, 'RUNNING');
    await app.api('POST', `/workflow-runs/${runId}/abort`);
    await app.waitForStatus(runId, ['FAILED']);
  });
});

for (const backend of testBackends()) describe(`no workers [${backend}]`, () => {
  let app: TestServer;
  before(async () => {
    app = await startTestServer({ backend, concurrency: 0 });
    await app.publish(DELAYED);
  });
  after(() => app.close());

  it('a server without workers (serve --concurrency 0) says so, with no last_seen_at when none was ever seen', async () => {
    const created = await app.api('POST', '/workflows/delayed/runs', { body: { inputs: {} } });
    const run = await app.api('GET', `/workflow-runs/${created.body.run_id}?include=details`);
    assert.deepEqual(run.body.waiting, { reason: 'no_workers', since: run.body.created_at, detail: { last_seen_at: null } });
    assert.deepEqual((await app.api('GET', '/workers')).body, { data: [] });
  });

  it('scheduled: a run created with a delay says when it becomes claimable, before anything else', async () => {
    const created = await app.api('POST', '/workflows/delayed/runs', { body: { inputs: {}, delay: '1h' } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const run = (await app.api('GET', `/workflow-runs/${created.body.run_id}?include=details`)).body;
    assert.equal(run.waiting.reason, 'scheduled');
    assert.equal(run.waiting.until, run.waiting.detail.not_before);
    assert.ok(Date.parse(run.waiting.detail.not_before) - Date.parse(run.created_at) >= 59 * 60_000, JSON.stringify(run.waiting));
  });
});
