import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

for (const backend of testBackends()) describe(`child-run budgets: SLIPWAY_MAX_RUN_DEPTH and SLIPWAY_MAX_RUN_TREE [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 4, env: { SLIPWAY_MAX_RUN_DEPTH: '2', SLIPWAY_MAX_RUN_TREE: '5', SLIPWAY_STEP_CONCURRENCY: '8' } });
    await t.publish('id: leaf\nname: leaf\nsteps:\n  - { id: done, type: transform, with: { value: 1 } }\n');
  });
  after(() => t.close());

  async function runToEnd(workflowId: string) {
    const created = await t.api('POST', `/workflows/${workflowId}/runs`, { body: { inputs: {} } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    return t.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED'], undefined, 60_000);
  }

  it('stops a workflow that calls itself at the depth budget with CHILD_RUN_LIMIT', async () => {
    await t.publish('id: nest\nname: nest\nsteps:\n  - { id: again, type: workflow, with: { workflow: nest } }\n');
    const run = await runToEnd('nest');
    assert.equal(run.status, 'FAILED');
    assert.match(run.error.message, /CHILD_RUN_LIMIT/);
    const runs = (await t.api('GET', '/workflow-runs?workflow_id=nest&limit=100')).body.data as { run_id: string }[];
    assert.equal(runs.length, 3, 'the root and two levels of children; the third level was refused');
    const steps = (await Promise.all(runs.map((r) => t.api('GET', `/workflow-runs/${r.run_id}/steps`)))).flatMap((s) => s.body.data as any[]);
    const refused = steps.filter((s) => s.error?.code === 'CHILD_RUN_LIMIT');
    assert.equal(refused.length, 1);
    assert.match(refused[0].error.message, /SLIPWAY_MAX_RUN_DEPTH/);
    assert.equal(refused[0].attempts, 1);
  });

  it('never lets one root run have more descendants than the tree budget, even when children start at once', async () => {
    await t.publish(`
id: fan-out
name: fan out
steps:
  - id: each
    type: map
    with:
      items: "{{ [1..8] }}"
      concurrency: 8
      steps:
        - { id: child, type: workflow, with: { workflow: leaf } }
`);
    const run = await runToEnd('fan-out');
    assert.equal(run.status, 'FAILED');
    assert.match(run.error.message, /CHILD_RUN_LIMIT/);
    const children = (await t.api('GET', '/workflow-runs?workflow_id=leaf&limit=100')).body.data as { metadata: { parent_run_id: string } }[];
    assert.equal(children.filter((c) => c.metadata?.parent_run_id === run.run_id).length, 5);
  });
});
