import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

const CHILD = `
id: child
name: Child
inputs:
  - { variableName: name, type: text, required: true }
  - { variableName: fail, type: boolean, default: false }
steps:
  - { id: nap, type: delay, with: { duration: 200ms } }
  - { id: boom, type: fail, if: "{{ inputs.fail }}", with: { message: "child asked to fail" } }
  - { id: greet, type: transform, with: { value: "Hello, {{ inputs.name }}" } }
`;

const PARENT = `
id: parent
name: Parent
inputs:
  - { variableName: name, type: text, required: true }
  - { variableName: childInputs, type: json }
steps:
  - id: call
    type: workflow
    with:
      workflow: child
      inputs: "{{ $exists(inputs.childInputs) ? inputs.childInputs : { 'name': inputs.name } }}"
  - { id: wrap, type: transform, with: { value: { fromChild: "{{ steps.call.output }}" } } }
`;

for (const backend of testBackends()) describe(`workflow step: child runs [${backend}]`, () => {
  let t: TestServer;
  let limited: { workspaceId: number; token: string };
  before(async () => {
    t = await startTestServer({ backend, concurrency: 2 });
    await t.publish(CHILD);
    await t.publish(PARENT);
    limited = await t.newWorkspace({ concurrentRunLimit: 1, dailyRunLimit: 1 });
    await t.publish(CHILD, limited.workspaceId);
    await t.publish(PARENT, limited.workspaceId);
  });
  after(() => t.close());

  async function start(inputs: Record<string, unknown>, token = t.token) {
    const created = await t.api('POST', '/workflows/parent/runs', { body: { inputs }, token });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    return t.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED'], token, 20_000);
  }

  it('runs the child, waits for it, and returns its output', async () => {
    const run = await start({ name: 'Ada' });
    assert.equal(run.status, 'COMPLETED', JSON.stringify(run.error));
    assert.deepEqual(run.output, { fromChild: 'Hello, Ada' });
    const children = await t.server.store.listRuns(t.workspaceId, { workflowId: 'child', page: 1, limit: 10 });
    const child = children.items.find((r) => r.parentRunId === run.run_id);
    assert.ok(child, 'the child run exists');
    assert.equal(child.status, 'COMPLETED');
    assert.deepEqual(child.metadata, { parent_run_id: run.run_id });
  });

  it('fails when the child fails, naming the step', async () => {
    const run = await start({ name: 'x', childInputs: { name: 'Bob', fail: true } });
    assert.equal(run.status, 'FAILED');
    assert.equal((run.error as any).code, 'WORKFLOW_FAILED');
    assert.match((run.error as any).message, /Step "call" failed: child run .* failed: WORKFLOW_FAILED: Step "boom" failed: child asked to fail/);
  });

  it('validates the child\'s inputs like any run\'s', async () => {
    const run = await start({ name: 'x', childInputs: { name: 42, extra: true } });
    assert.equal(run.status, 'FAILED');
    assert.match((run.error as any).message, /invalid inputs for "child": inputs\.extra is not an input.*inputs\.name must be a string/);
  });

  it('fails when the child workflow does not exist', async () => {
    const id = await t.publish(`name: Orphan\nsteps:\n  - { id: call, type: workflow, with: { workflow: nowhere } }\n`);
    const created = await t.api('POST', `/workflows/${id}/runs`, { body: { inputs: {} } });
    const run = await t.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED']);
    assert.equal(run.status, 'FAILED');
    assert.match((run.error as any).message, /no workflow "nowhere"/);
  });

  it('is not refused by the workspace\'s run limits, which govern API runs', async () => {
    const run = await start({ name: 'Grace' }, limited.token);
    assert.equal(run.status, 'COMPLETED', JSON.stringify(run.error));
    assert.deepEqual(run.output, { fromChild: 'Hello, Grace' });
    // The daily limit of 1 is used by the parent alone: the API refuses a second run.
    const again = await t.api('POST', '/workflows/child/runs', { body: { inputs: { name: 'x' } }, token: limited.token });
    assert.equal(again.status, 429);
  });
});
