import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../src/core/clock.js';
import { queueRun } from '../src/service/queue-run.js';
import { createServices } from '../src/server.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { killWorkerStep } from './support/kill-worker-step.js';
import { spawnSlipwayProcess } from './support/slipway-process.js';
import { tempDir } from './support/test-server.js';

const KILL_STEP_MODULE = fileURLToPath(new URL('./support/kill-worker-step.ts', import.meta.url));

describe('SLIPWAY_MAX_CLAIMS: a run whose step keeps killing its worker (kill -9) ends FAILED', () => {
  const dir = tempDir('slipway-max-claims-');
  const databaseUrl = `sqlite:${join(dir.path, 'slipway.db')}`;
  after(() => dir.remove());

  it('fails the run after 3 worker deaths instead of killing every worker that claims it', async () => {
    const store = createSqliteStore({ path: join(dir.path, 'slipway.db') });
    await store.migrate();
    const workspace = await store.createWorkspace({ name: 'crash', organizationId: null, dailyRunLimit: null, concurrentRunLimit: null, now: Date.now() });
    const services = createServices(store, systemClock, [killWorkerStep]);
    await services.workflows.applyWorkflow({
      workspaceId: workspace.id,
      publish: true,
      text: 'id: crash-loop\nname: Crash loop\nsteps:\n  - { id: before, type: transform, with: { value: 1 } }\n  - { id: boom, type: kill-worker }\n',
    });
    const queued = await queueRun({ store, clock: systemClock, workflows: services.workflows }, { workspaceId: workspace.id, workflowId: 'crash-loop', inputs: {}, metadata: null, idempotencyKey: null, trigger: { kind: 'api' } });
    assert.equal(queued.kind, 'created');
    const runId = queued.kind === 'created' ? queued.run.id : '';

    const env = { SLIPWAY_MAX_CLAIMS: '3', SLIPWAY_LEASE_TIMEOUT: '1s', SLIPWAY_POLL_INTERVAL: '100ms', SLIPWAY_STEP_TYPES: KILL_STEP_MODULE };
    let deaths = 0;
    for (let started = 0; started < 8; started++) {
      const worker = spawnSlipwayProcess(['--database-url', databaseUrl, 'worker', '--concurrency', '1'], { env });
      const exit = once(worker.child, 'exit');
      // Either the step kills this worker, or the worker fails the run and keeps running.
      const outcome = await Promise.race([
        exit.then(() => 'died' as const),
        (async () => {
          for (;;) {
            const run = await store.getRun(workspace.id, runId);
            if (run?.status === 'FAILED' || run?.status === 'COMPLETED') return 'finished' as const;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        })(),
      ]);
      if (outcome === 'died') {
        assert.equal(worker.child.signalCode, 'SIGKILL', worker.output());
        deaths++;
        continue;
      }
      await worker.stop();
      break;
    }
    const run = await store.getRun(workspace.id, runId);
    assert.equal(deaths, 3, 'the 4th worker fails the run instead of running the step again');
    assert.equal(run?.status, 'FAILED');
    assert.equal(run?.error?.code, 'WORKFLOW_FAILED');
    assert.match(run!.error!.message, /Step "boom" failed: .*stopped its worker 3 times/);
    const attempts = (await store.listStepAttempts(runId)).filter((a) => a.stepId === 'boom');
    assert.deepEqual(attempts.map((a) => a.error?.code), ['INTERRUPTED', 'INTERRUPTED', 'TOO_MANY_CLAIMS']);
    assert.equal((await store.listStepAttempts(runId)).filter((a) => a.stepId === 'before').length, 1, 'the completed step never ran again');
    await store.close();
  });
});
