import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.js';
import { startSlipway, type SlipwayServer } from '../src/server.js';
import { freshDatabase, testBackends } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

const WORKFLOW = `
id: nap
name: Nap
steps:
  - { id: before, type: transform, with: { value: 1 } }
  - { id: nap, type: delay, with: { duration: 1500ms } }
  - { id: after, type: transform, with: { value: "{{ steps.before.output + 1 }}" } }
`;

for (const backend of testBackends()) describe(`delay: a waiting run holds no slot and resumes after a restart [${backend}]`, () => {
  let databaseUrl = '';
  let remove = () => {};
  before(async () => {
    ({ databaseUrl, remove } = await freshDatabase(backend));
  });
  const start = (concurrency: number) =>
    startSlipway({
      config: loadConfig({ databaseUrl, port: 0, concurrency }, { SLIPWAY_POLL_INTERVAL: '50ms', SLIPWAY_SHUTDOWN_GRACE: '2s' }),
      http: false,
      examplesDir: null,
      logger: false,
    });
  const running: SlipwayServer[] = [];
  after(async () => {
    for (const server of running) await server.close();
    remove();
  });

  it('releases the run while it waits (RUNNING, no slot) and another process finishes it when due', async () => {
    const first = await start(1);
    running.push(first);
    const workspace = await first.store.createWorkspace({ name: 'w', organizationId: null, dailyRunLimit: null, concurrentRunLimit: null, now: Date.now() });
    await first.services.workflows.applyWorkflow({ workspaceId: workspace.id, text: WORKFLOW, publish: true });
    const created = await first.services.runs.createRun({ workspaceId: workspace.id, workflowId: 'nap', inputs: {}, metadata: undefined, idempotencyKey: undefined });
    assert.equal(created.kind, 'run');
    const { run } = created as Extract<typeof created, { kind: 'run' }>;
    first.pool.wake();

    // Wait until the delay is recorded; the run is then released: RUNNING, no lease owner, no slot used.
    await waitFor(async () => (await first.store.listStepAttempts(run.id)).some((a) => a.stepId === 'nap' && a.status === 'WAITING'), {
      intervalMs: 20,
      what: 'the delay step starts waiting',
    });
    const waiting = await waitFor(async () => {
      const current = await first.store.getRun(workspace.id, run.id);
      return current?.leaseOwner === null && current;
    }, { intervalMs: 10, what: 'the waiting run is released' });
    assert.equal(waiting?.status, 'RUNNING');
    assert.equal(waiting?.leaseOwner, null);
    assert.equal(first.pool.activeRuns, 0);
    await first.close();
    running.pop();

    const second = await start(1);
    running.push(second);
    const done = await waitFor(async () => {
      const current = await second.store.getRun(workspace.id, run.id);
      return current?.status === 'COMPLETED' && current;
    }, { what: 'another process completes the run when the delay is due' });
    assert.equal(done.status, 'COMPLETED');
    assert.equal(done?.output, 2);
    const attempts = await second.store.listStepAttempts(run.id);
    const nap = attempts.find((a) => a.stepId === 'nap' && a.status === 'COMPLETED');
    assert.ok(nap && nap.wakeAt !== null && nap.finishedAt! >= nap.wakeAt, 'the delay completed no earlier than its due time');
    assert.deepEqual(attempts.filter((a) => a.stepId === 'before').length, 1, 'the step before the delay ran once');
  });
});
