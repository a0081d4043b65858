import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { API_PREFIX } from '../src/api/schemas.js';
import { defineStepType, type StepType } from '../src/steps/step-type.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { readSse } from './support/sse.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

/** A step that never returns and ignores its AbortSignal. */
const hangStep = defineStepType({
  type: 'hang',
  description: 'Never returns.',
  input: Type.Object({}, { additionalProperties: false }),
  idempotent: true,
  run: () => new Promise(() => {}),
});

const NAP = `
id: nap
name: Nap
steps:
  - { id: sleep, type: delay, with: { duration: 1h } }
`;
const STUCK = `
id: stuck
name: Stuck
steps:
  - { id: forever, type: hang, with: {} }
`;
const PARENT = `
id: parent
name: Parent
steps:
  - { id: call, type: workflow, with: { workflow: nap, inputs: {} } }
`;
const FAILING_PARENT = `
id: failing-parent
name: Failing parent
steps:
  - { id: call, type: workflow, needs: [], with: { workflow: stuck, inputs: {} } }
  - { id: wait, type: delay, needs: [], with: { duration: 300ms } }
  - { id: boom, type: fail, needs: [wait], with: { message: "parent fails" } }
`;
const SLOW_HTTP = `
id: slow-http
name: Slow HTTP
inputs:
  - { variableName: base, type: text, required: true }
steps:
  - { id: call, type: http, with: { url: "{{ inputs.base }}/never", timeout: 1h } }
`;

for (const backend of testBackends()) describe(`run control: abort [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 4, env: { SLIPWAY_ABORT_GRACE: '1s' }, extraStepTypes: [hangStep] as StepType[] });
    for (const yaml of [NAP, STUCK, PARENT, FAILING_PARENT]) await t.publish(yaml);
  });
  after(() => t.close());

  async function start(workflowId: string) {
    const created = await t.api('POST', `/workflows/${workflowId}/runs`, { body: { inputs: {} } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    return created.body.run_id as string;
  }
  async function stepStatus(runId: string, stepId: string) {
    const steps = await t.api('GET', `/workflow-runs/${runId}/steps`);
    return steps.body.data.find((s: any) => s.id === stepId)?.status as string | undefined;
  }
  const abort = (runId: string) => t.api('POST', `/workflow-runs/${runId}/abort`);
  /** The run's event log ends with the aborted step's `step.failed`, then the terminal status. */
  async function assertLogEndsAborted(runId: string, stepId: string) {
    const log = await readSse(`${t.url}${API_PREFIX}/workflow-runs/${runId}/events`, { headers: { authorization: `Bearer ${t.token}` } });
    assert.equal(log.status, 200);
    const tail = log.events.slice(-2).map((e) => {
      const data = e.data;
      return `${e.event} ${data.step_id ?? data.status} ${data.error?.code ?? ''}`;
    });
    assert.deepEqual(tail, [`step.failed ${stepId} ABORTED`, 'run.status FAILED ABORTED']);
  }

  it('aborts a run waiting in a delay: FAILED with ABORTED, by the token\'s name', async () => {
    const runId = await start('nap');
    await waitFor(async () => (await stepStatus(runId, 'sleep')) === 'RUNNING', { what: 'the delay starts' });
    const aborted = await abort(runId);
    assert.equal(aborted.status, 202, JSON.stringify(aborted.body));
    assert.equal(aborted.body.run_id, runId);
    const run = await t.waitForStatus(runId, ['FAILED']);
    assert.equal(run.error.code, 'ABORTED');
    assert.match(run.error.message, /^aborted by \S/);
    assert.equal(await stepStatus(runId, 'sleep'), 'FAILED');
    await assertLogEndsAborted(runId, 'sleep');
  });

  it('ends a run stuck in a step that never returns within the grace', async () => {
    const runId = await start('stuck');
    await waitFor(async () => (await stepStatus(runId, 'forever')) === 'RUNNING', { what: 'the stuck step starts' });
    assert.equal((await abort(runId)).status, 202);
    const run = await t.waitForStatus(runId, ['FAILED', 'COMPLETED']);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.error.code, 'ABORTED');
    await assertLogEndsAborted(runId, 'forever');
    // The executor's slot is free again: another run of the workflow starts and can be aborted too.
    const next = await start('stuck');
    await waitFor(async () => (await stepStatus(next, 'forever')) === 'RUNNING', { what: 'the next run starts' });
    assert.equal((await abort(next)).status, 202);
    assert.equal((await t.waitForStatus(next, ['FAILED'])).error.code, 'ABORTED');
  });

  it('aborts the child runs of an aborted run', async () => {
    const parentId = await start('parent');
    const child = await waitFor(async () => {
      const children = await t.server.store.listRuns(t.workspaceId, { workflowId: 'nap', page: 1, limit: 50 });
      return children.items.find((r) => r.parentRunId === parentId && r.status === 'RUNNING');
    }, { what: 'the child run runs' });
    assert.equal((await abort(parentId)).status, 202);
    assert.equal((await t.waitForStatus(parentId, ['FAILED'])).error.code, 'ABORTED');
    const childRun = await t.waitForStatus(child.id, ['FAILED', 'COMPLETED', 'CANCELED']);
    assert.equal(childRun.status, 'FAILED');
    assert.equal(childRun.error.code, 'ABORTED');
  });

  it('a parent that fails aborts its running children', async () => {
    const parentId = await start('failing-parent');
    const parent = await t.waitForStatus(parentId, ['FAILED', 'COMPLETED']);
    assert.equal(parent.error.code, 'WORKFLOW_FAILED');
    const children = await t.server.store.listRuns(t.workspaceId, { workflowId: 'stuck', page: 1, limit: 50 });
    const child = children.items.find((r) => r.parentRunId === parentId);
    assert.ok(child, 'the child run was created');
    const childRun = await t.waitForStatus(child.id, ['FAILED', 'COMPLETED', 'CANCELED']);
    assert.equal(childRun.status, 'FAILED', 'the child was running a step that never returns');
    assert.equal(childRun.error.code, 'ABORTED');
    assert.match(childRun.error.message, new RegExp(`aborted by parent run ${parentId}`));
  });

  it('answers 409 not_abortable for a finished run and 404 for an unknown one', async () => {
    const runId = await start('nap');
    // Whether a worker claimed it yet or not, the abort ends it (FAILED/ABORTED, or CANCELED while QUEUED).
    assert.equal((await abort(runId)).status, 202);
    await t.waitForStatus(runId, ['FAILED', 'CANCELED']);
    const again = await abort(runId);
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'not_abortable');
    assert.equal((await abort('no-such-run')).status, 404);
  });
});

for (const backend of testBackends()) describe(`run control: abort across processes, queued runs, bulk [${backend}]`, () => {
  let t: TestServer;
  let peer: HttpPeer;
  let worker: SlipwayProcess | null = null;
  before(async () => {
    peer = await startHttpPeer(() => new Promise(() => {})); // answers never
    // API only: runs stay QUEUED until the worker process below starts.
    t = await startTestServer({ backend, concurrency: 0 });
    await t.publish(NAP);
    await t.publish(SLOW_HTTP);
  });
  after(async () => {
    await worker?.stop();
    await t.close();
    await peer.close();
  });

  it('aborts a QUEUED run: CANCELED with cancel_reason aborted', async () => {
    const created = await t.api('POST', '/workflows/nap/runs', { body: { inputs: {} } });
    const aborted = await t.api('POST', `/workflow-runs/${created.body.run_id}/abort`);
    assert.equal(aborted.status, 202);
    assert.equal(aborted.body.status, 'CANCELED');
    const details = await t.api('GET', `/workflow-runs/${created.body.run_id}?include=details`);
    assert.equal(details.body.status, 'CANCELED');
    assert.equal(details.body.cancel_reason, 'aborted');
  });

  it('counts in a dry run, refuses an empty filter, and cancels queued runs in bulk', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await t.api('POST', '/workflows/nap/runs', { body: { inputs: {} } })).body.run_id);
    const filter = { workflow_id: 'nap', status: ['QUEUED'] };
    const dry = await t.api('POST', '/workflow-runs/bulk', { body: { action: 'cancel', filter, dry_run: true } });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.deepEqual(dry.body, { matched: 3, affected: 0, refused: 0 });
    for (const id of ids) assert.equal((await t.api('GET', `/workflow-runs/${id}`)).body.status, 'QUEUED');
    const empty = await t.api('POST', '/workflow-runs/bulk', { body: { action: 'cancel', filter: {} } });
    assert.equal(empty.status, 400);
    const done = await t.api('POST', '/workflow-runs/bulk', { body: { action: 'cancel', filter } });
    assert.deepEqual(done.body, { matched: 3, affected: 3, refused: 0 });
    for (const id of ids) assert.equal((await t.api('GET', `/workflow-runs/${id}`)).body.status, 'CANCELED');
    const byIds = await t.api('POST', '/workflow-runs/bulk', { body: { action: 'cancel', filter: { run_ids: ids }, dry_run: true } });
    assert.deepEqual(byIds.body, { matched: 3, affected: 0, refused: 3 });
  });

  it('aborts a run that another process executes: its step\'s signal fires there, well before the grace', async () => {
    const created = await t.api('POST', '/workflows/slow-http/runs', { body: { inputs: { base: peer.url } } });
    const runId = created.body.run_id as string;
    worker = await startSlipwayProcess(['worker', '--concurrency', '1'], {
      // A grace far longer than the test waits: the run can only end because that worker stopped it.
      env: { SLIPWAY_DATABASE_URL: t.databaseUrl, SLIPWAY_POLL_INTERVAL: '100ms', SLIPWAY_ABORT_GRACE: '10m', SLIPWAY_HTTP_ALLOW_PRIVATE: 'true' },
    });
    await peer.waitFor('/never');
    assert.equal((await t.api('GET', `/workflow-runs/${runId}`)).body.status, 'RUNNING');
    const aborted = await t.api('POST', `/workflow-runs/${runId}/abort`);
    assert.equal(aborted.status, 202);
    const run = await t.waitForStatus(runId, ['FAILED', 'COMPLETED'], t.token, 60_000);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.error.code, 'ABORTED');
  });

  it('ends an aborted run whose executor was killed: any process with workers does it after the grace', async () => {
    await worker?.stop();
    const created = await t.api('POST', '/workflows/slow-http/runs', { body: { inputs: { base: peer.url } } });
    const runId = created.body.run_id as string;
    const seen = peer.count('/never');
    // A lease far longer than the test waits: no takeover can end this run, only the abort sweep.
    const env = { SLIPWAY_DATABASE_URL: t.databaseUrl, SLIPWAY_POLL_INTERVAL: '100ms', SLIPWAY_LEASE_TIMEOUT: '10m', SLIPWAY_HTTP_ALLOW_PRIVATE: 'true' };
    const doomed = await startSlipwayProcess(['worker', '--concurrency', '1'], { env: { ...env, SLIPWAY_ABORT_GRACE: '10m' } });
    await waitFor(() => peer.count('/never') > seen, { what: 'the step is executing in the doomed worker' });
    await doomed.stop('SIGKILL');
    assert.equal((await t.api('POST', `/workflow-runs/${runId}/abort`)).status, 202);
    worker = await startSlipwayProcess(['worker', '--concurrency', '1'], { env: { ...env, SLIPWAY_ABORT_GRACE: '1s' } });
    const run = await t.waitForStatus(runId, ['FAILED', 'COMPLETED'], t.token, 60_000);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.error.code, 'ABORTED');
    const details = await t.api('GET', `/workflow-runs/${runId}?include=details`);
    assert.ok(details.body.completed_at, 'ended, not left RUNNING under the dead lease');
  });
});
