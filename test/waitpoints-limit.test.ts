import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

/** SPEC §7: waiting runs count towards the concurrent-run limit, and its 429 says how many of the active runs are waiting. */

const HOOK = `
id: hook
name: Hook
steps:
  - { id: job, type: wait, with: { kind: callback } }
`;

const NAP = `
id: nap
name: Nap
steps:
  - { id: sleep, type: delay, with: { duration: 1h } }
`;

for (const backend of testBackends()) describe(`waitpoints and the concurrent-run limit [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, env: { SLIPWAY_SECRET_KEY: 'c'.repeat(64) } });
  });
  after(() => t.close());

  it('the 429 keeps its code and shape and says how many active runs wait at a waitpoint', async () => {
    const limited = await t.newWorkspace({ concurrentRunLimit: 3 });
    await t.publish(HOOK, limited.workspaceId);
    await t.publish(NAP, limited.workspaceId);
    const start = (workflowId: string) => t.api('POST', `/workflows/${workflowId}/runs`, { token: limited.token, body: { inputs: {} } });
    const waiting: string[] = [];
    for (let i = 0; i < 2; i++) waiting.push((await start('hook')).body.run_id);
    const napping = (await start('nap')).body.run_id as string;
    for (const runId of waiting) {
      await waitFor(async () => (await t.api('GET', `/workflow-runs/${runId}/waitpoints`, { token: limited.token })).body.data?.[0]?.status === 'OPEN',
        { what: `the waitpoint of ${runId}`, timeoutMs: 30_000 });
    }
    await t.waitForStatus(napping, ['RUNNING'], limited.token);

    const refused = await start('hook');
    assert.equal(refused.status, 429);
    assert.deepEqual(Object.keys(refused.body).sort(), ['error', 'message', 'request_id']);
    assert.equal(refused.body.error, 'concurrent_run_limit_exceeded');
    assert.ok(refused.headers.get('retry-after'));
    assert.equal(refused.body.message, 'This workspace may have 3 runs queued or running at once (runs held by a concurrency key and delayed runs are QUEUED and count too). 2 of the active runs are waiting at a waitpoint (approval, callback or event); completing or aborting them frees their places.');

    const [first] = waiting;
    const w = (await t.api('GET', `/workflow-runs/${first}/waitpoints`, { token: limited.token })).body.data[0];
    assert.equal((await t.api('POST', `/waitpoints/${w.waitpoint_id}/complete`, { token: limited.token, body: { data: { done: true } } })).status, 200);
    await t.waitForStatus(first!, ['COMPLETED'], limited.token);
    const abort = await t.api('POST', `/workflow-runs/${waiting[1]}/abort`, { token: limited.token });
    assert.ok(abort.status < 300, JSON.stringify(abort.body));
    await t.waitForStatus(waiting[1]!, ['FAILED'], limited.token);
    // Now: the sleeping run and one new waiting run; a second sleeper fills the last place.
    const next = (await start('hook')).body.run_id as string;
    await waitFor(async () => (await t.api('GET', `/workflow-runs/${next}/waitpoints`, { token: limited.token })).body.data?.[0]?.status === 'OPEN',
      { what: `the waitpoint of ${next}`, timeoutMs: 30_000 });
    assert.equal((await start('nap')).status, 202);
    const again = await start('nap');
    assert.equal(again.status, 429);
    assert.match(again.body.message, / 1 of the active runs is waiting at a waitpoint/);

    const batch = await t.api('POST', '/workflows/nap/runs/batch', { token: limited.token, body: { runs: [{ inputs: {} }] } });
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    assert.equal(batch.body.data[0].error.error, 'concurrent_run_limit_exceeded');
    assert.match(batch.body.data[0].error.message, / 1 of the active runs is waiting at a waitpoint/);
  });
});
