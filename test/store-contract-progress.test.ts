import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Run, StepAttempt, Store } from '../src/store/store.js';
import { leaseOf } from '../src/store/lease-store.js';
import { newUuid } from '../src/core/ids.js';
import { T0, applyWorkflow, claimInput, newWorkspace, openStorePair, runInput, type StorePair } from './support/store-fixtures.js';
import { testBackends } from './support/test-server.js';

function attempt(runId: string, stepId: string, status: StepAttempt['status'], extra: Partial<StepAttempt> = {}): StepAttempt {
  return {
    runId, stepId, attempt: 1, stepType: 'transform', status, input: { x: 1 }, output: status === 'COMPLETED' ? { y: stepId } : null,
    error: null, startedAt: T0 + 1, finishedAt: status === 'RUNNING' ? null : T0 + 2, wakeAt: null, ...extra,
  };
}

/**
 * saveProgress and finishRun's `progress` (issue 10): a run's start, its checkpoints and its
 * finish merged into fewer transactions, on every backend, with the claim guard of each write.
 */
for (const backend of testBackends()) {
  describe(`Store contract: merged run writes [${backend}]`, () => {
    let pair: StorePair;
    let store: Store;
    beforeEach(async () => {
      pair = await openStorePair(backend);
      store = pair.store;
    });
    afterEach(() => pair.close());

    async function claimOne(): Promise<Run> {
      const ws = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'flow');
      assert.equal((await store.createRun(runInput(ws.id, 'flow'))).kind, 'created');
      const [run] = await store.claimRuns(claimInput('w1', 1, T0, 1000));
      return run!;
    }
    const statusEvents = async (runId: string) =>
      (await store.listRunEvents(runId, 0, 100)).map((e) => {
        const data = JSON.parse(e.data) as { status?: string; step_id?: string };
        return e.type === 'run.status' ? `run:${data.status}` : `${e.type}:${data.step_id}`;
      });

    it('writes the start and the attempts in order, in one transaction, and the finish with the last checkpoints', async () => {
      const run = await claimOne();
      const lease = leaseOf(run);
      assert.equal(await store.saveProgress(lease, { startRunAt: T0 + 1, attempts: [attempt(run.id, 'a', 'RUNNING')] }), true);
      assert.equal((await store.getRun(run.workspaceId, run.id))?.status, 'RUNNING');
      // A second start is a no-op; a completed checkpoint and the next step's start together.
      assert.equal(await store.saveProgress(lease, { startRunAt: T0 + 2, attempts: [attempt(run.id, 'a', 'COMPLETED'), attempt(run.id, 'b', 'RUNNING')] }), true);
      assert.equal(await store.finishRun({ lease, status: 'COMPLETED', output: 'done', error: null, now: T0 + 3, progress: { startRunAt: null, attempts: [attempt(run.id, 'b', 'COMPLETED')] } }), true);
      assert.deepEqual((await store.listStepAttempts(run.id)).map((a) => [a.stepId, a.status]), [['a', 'COMPLETED'], ['b', 'COMPLETED']]);
      assert.deepEqual(await statusEvents(run.id), [
        'run:QUEUED', 'run:STARTING', 'run:RUNNING', 'step.started:a', 'step.completed:a', 'step.started:b', 'step.completed:b', 'run:COMPLETED',
      ]);
      assert.equal((await store.getRun(run.workspaceId, run.id))?.output, 'done');
    });

    it('writes nothing of a merged write once the claim is gone', async () => {
      const run = await claimOne();
      const stale = leaseOf(run);
      const [takeover] = await pair.other.claimRuns(claimInput('w2', 1, T0 + 2000, 1000));
      assert.equal(takeover?.id, run.id);
      assert.equal(await store.saveProgress(stale, { startRunAt: T0 + 2001, attempts: [attempt(run.id, 'a', 'COMPLETED')] }), false);
      assert.equal(await store.saveProgress(stale, { startRunAt: null, attempts: [attempt(run.id, 'a', 'COMPLETED'), attempt(run.id, 'b', 'RUNNING')] }), false);
      assert.equal(await store.finishRun({ lease: stale, status: 'COMPLETED', output: 'stale', error: null, now: T0 + 2002, progress: { startRunAt: T0 + 2002, attempts: [attempt(run.id, 'a', 'COMPLETED')] } }), false);
      assert.deepEqual(await store.listStepAttempts(run.id), []);
      const after = (await store.getRun(run.workspaceId, run.id))!;
      assert.deepEqual([after.status, after.output], ['STARTING', null]);
      // The current claim still writes.
      assert.equal(await store.finishRun({ lease: leaseOf(takeover!), status: 'COMPLETED', output: 'fresh', error: null, now: T0 + 2003, progress: { startRunAt: T0 + 2003, attempts: [attempt(run.id, 'a', 'COMPLETED')] } }), true);
      assert.deepEqual((await statusEvents(run.id)).slice(-3), ['run:RUNNING', 'step.completed:a', 'run:COMPLETED']);
    });

    it('finishes a run whose start and whole step are still pending: one write, its events in order, waitpoints closed', async () => {
      const run = await claimOne();
      const lease = leaseOf(run);
      assert.equal(await store.saveProgress(lease, { startRunAt: null, attempts: [attempt(run.id, 's', 'RUNNING')] }), true);
      const waitpointId = newUuid();
      await store.openWaitpoint({
        id: waitpointId, openKey: `${run.id}:w:1`, workspaceId: run.workspaceId, runId: run.id, workflowId: 'flow', stepId: 'w',
        kind: 'approval', prompt: 'ok?', fields: null, event: null, match: null, matchScope: null, expiresAt: null, now: T0 + 1,
      }, () => '{}');
      // The idempotent step "a" ran while its start was pending: RUNNING and COMPLETED of one attempt, with the run's start.
      assert.equal(await store.finishRun({
        lease, status: 'COMPLETED', output: 'done', error: null, now: T0 + 3,
        progress: { startRunAt: T0 + 1, attempts: [attempt(run.id, 's', 'COMPLETED'), attempt(run.id, 'a', 'RUNNING'), attempt(run.id, 'a', 'COMPLETED')] },
      }), true);
      assert.deepEqual((await store.listStepAttempts(run.id)).map((a) => [a.stepId, a.attempt, a.status]).sort(), [['a', 1, 'COMPLETED'], ['s', 1, 'COMPLETED']]);
      const events = await store.listRunEvents(run.id, 0, 100);
      assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), 'seqs contiguous from 1');
      assert.deepEqual((await statusEvents(run.id)).filter((e) => !e.startsWith('waitpoint.')), [
        'run:QUEUED', 'run:STARTING', 'step.started:s', 'run:RUNNING', 'step.completed:s', 'step.started:a', 'step.completed:a', 'run:COMPLETED',
      ]);
      assert.equal((await store.getWaitpoint(run.workspaceId, waitpointId))?.status, 'CANCELED');
      const finished = (await store.getRun(run.workspaceId, run.id))!;
      assert.deepEqual([finished.status, finished.output], ['COMPLETED', 'done']);
      // The same finish again is refused: the claim ended with the run.
      assert.equal(await store.finishRun({ lease, status: 'COMPLETED', output: 'again', error: null, now: T0 + 4 }), false);
    });

    it('drops a finished run\'s step deltas with its finish', async () => {
      const run = await claimOne();
      const lease = leaseOf(run);
      assert.equal(await store.saveProgress(lease, { startRunAt: T0 + 1, attempts: [attempt(run.id, 's', 'RUNNING')] }), true);
      assert.equal(await store.appendStepDelta!(lease, { runId: run.id, stepId: 's', attempt: 1, text: 'partial', now: T0 + 1 }), true);
      assert.ok((await statusEvents(run.id)).includes('step.delta:s'));
      assert.equal(await store.finishRun({ lease, status: 'COMPLETED', output: 1, error: null, now: T0 + 3, progress: { startRunAt: null, attempts: [attempt(run.id, 's', 'COMPLETED')] } }), true);
      assert.deepEqual(await statusEvents(run.id), ['run:QUEUED', 'run:STARTING', 'run:RUNNING', 'step.started:s', 'step.completed:s', 'run:COMPLETED']);
    });

    it('refuses attempts of another run', async () => {
      const run = await claimOne();
      assert.equal(await store.saveProgress(leaseOf(run), { startRunAt: T0 + 1, attempts: [attempt('other-run', 'a', 'RUNNING')] }), false);
      assert.equal((await store.getRun(run.workspaceId, run.id))?.status, 'STARTING');
    });
  });
}
