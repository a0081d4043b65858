import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { defineStepType, type StepType } from '../src/steps/step-type.js';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

/** Host step types that make the engine's behaviour observable. */
let active = 0;
let maxActive = 0;
const trackStep = defineStepType({
  type: 'track',
  description: 'Counts how many track steps run at once.',
  input: Type.Object({}, { additionalProperties: false }),
  idempotent: true,
  async run() {
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise((resolve) => setTimeout(resolve, 100));
    active--;
    return { kind: 'completed', output: null };
  },
});
const flakyStep = defineStepType({
  type: 'flaky',
  description: 'Fails until attempt with.succeedOn.',
  input: Type.Object({ succeedOn: Type.Integer() }, { additionalProperties: false }),
  idempotent: true,
  async run(input, ctx) {
    return ctx.attempt >= input.succeedOn ? { kind: 'completed', output: { attempt: ctx.attempt } } : { kind: 'failed', message: `attempt ${ctx.attempt} failed` };
  },
});
const hangStep = defineStepType({
  type: 'hang',
  description: 'Never finishes on its own; ends when its signal aborts.',
  input: Type.Object({}, { additionalProperties: false }),
  idempotent: true,
  run: (_input, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))),
});

for (const backend of testBackends()) describe(`workflow engine: step graph, skips, map, retries, time limits [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 2, env: { SLIPWAY_STEP_CONCURRENCY: '2' }, extraStepTypes: [trackStep, flakyStep, hangStep] as StepType[] });
  });
  after(() => t.close());

  async function runToEnd(yaml: string, inputs: Record<string, unknown> = {}) {
    const workflowId = await t.publish(yaml);
    const created = await t.api('POST', `/workflows/${workflowId}/runs`, { body: { inputs } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const run = await t.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED'], undefined, 20_000);
    const steps = await t.api('GET', `/workflow-runs/${created.body.run_id}/steps`);
    assert.equal(steps.status, 200);
    const byId = Object.fromEntries((steps.body.data as { id: string }[]).map((s) => [s.id, s])) as Record<string, any>;
    return { run: run as Record<string, any>, steps: steps.body.data as any[], byId };
  }

  it('runs independent branches in parallel: two 1-second delays take about 1 second', async () => {
    const { run, byId } = await runToEnd(`
id: parallel-delays
name: Parallel delays
steps:
  - { id: left, type: delay, needs: [], with: { duration: 1s } }
  - { id: right, type: delay, needs: [], with: { duration: 1s } }
  - { id: join, type: transform, needs: [left, right], with: { value: "{{ steps.left.status & '+' & steps.right.status }}" } }
`);
    assert.equal(run.status, 'COMPLETED');
    assert.equal(run.output, 'COMPLETED+COMPLETED');
    const [left, right] = [byId.left, byId.right].map((s) => ({ start: Date.parse(s.started_at), end: Date.parse(s.finished_at) }));
    // Parallel: each delay started before the other finished.
    assert.ok(left!.start < right!.end && right!.start < left!.end, JSON.stringify({ left, right }));
    // Both really waited their second (how close the span stays to 1 s is for benchmarks, not tests).
    const span = Math.max(left!.end, right!.end) - Math.min(left!.start, right!.start);
    assert.ok(span >= 1000, `two parallel 1 s delays took ${span} ms`);
    assert.equal(byId.join.attempts, 1);
  });

  it('bounds the steps of one run running at once (SLIPWAY_STEP_CONCURRENCY=2)', async () => {
    maxActive = 0;
    const { run } = await runToEnd(`
id: bounded
name: Bounded
steps:
  - { id: a, type: track, needs: [] }
  - { id: b, type: track, needs: [] }
  - { id: c, type: track, needs: [] }
  - { id: d, type: track, needs: [] }
`);
    assert.equal(run.status, 'COMPLETED');
    assert.equal(maxActive, 2);
  });

  it('skips on a false if, propagates skips through needs only, and lets an own if decide', async () => {
    const { run, byId } = await runToEnd(`
id: skips
name: Skips
steps:
  - { id: a, type: transform, with: { value: 1 } }
  - { id: b, type: transform, if: "{{ a = 2 }}", needs: [a], with: { value: 2 } }
  - { id: c, type: transform, needs: [b], with: { value: 3 } }
  - { id: d, type: transform, needs: [b], if: "{{ steps.b.status = 'SKIPPED' }}", with: { value: 4 } }
  - { id: e, type: transform, needs: [a, b], with: { value: 5 } }
  - { id: f, type: transform, needs: [c] , with: { value: 6 } }
  - { id: g, type: transform, with: { value: "{{ steps.f.status }}" } }
output: { c: "{{ steps.c.output }}", d: "{{ steps.d.output }}", e: "{{ steps.e.output }}", g: "{{ steps.g.output }}" }
`);
    assert.equal(run.status, 'COMPLETED');
    assert.deepEqual(run.output, { c: null, d: 4, e: 5, g: 'SKIPPED' });
    assert.deepEqual(
      Object.fromEntries(Object.values(byId).map((s) => [s.id, s.status])),
      { a: 'COMPLETED', b: 'SKIPPED', c: 'SKIPPED', d: 'COMPLETED', e: 'COMPLETED', f: 'SKIPPED', g: 'COMPLETED' },
    );
  });

  it('maps over items with bounded concurrency and keeps the items\' order', async () => {
    const { run, byId, steps } = await runToEnd(`
id: mapper
name: Mapper
inputs:
  - { variableName: items, type: json, required: true }
steps:
  - id: each
    type: map
    with:
      items: "{{ inputs.items }}"
      concurrency: 2
      steps:
        - { id: wait, type: delay, with: { duration: "{{ item * 100 }}ms" } }
        - { id: double, type: transform, with: { value: { index: "{{ index }}", doubled: "{{ item * 2 }}" } } }
`, { items: [3, 1, 2] });
    assert.equal(run.status, 'COMPLETED', JSON.stringify(run.error));
    assert.deepEqual(run.output, [{ index: 0, doubled: 6 }, { index: 1, doubled: 2 }, { index: 2, doubled: 4 }]);
    assert.equal(byId.each.status, 'COMPLETED');
    assert.equal(byId['each[2].double'].status, 'COMPLETED');
    assert.equal(steps.filter((s) => s.id.startsWith('each[')).length, 6);
  });

  it('retries a failing step and counts its attempts', async () => {
    const { run, byId } = await runToEnd(`
id: retrying
name: Retrying
steps:
  - { id: shaky, type: flaky, with: { succeedOn: 3 }, retry: { maxAttempts: 3, backoff: exponential, delay: 20ms, jitter: true } }
`);
    assert.equal(run.status, 'COMPLETED');
    assert.deepEqual(run.output, { attempt: 3 });
    assert.equal(byId.shaky.attempts, 3);
  });

  it('fails the run with WORKFLOW_FAILED naming the step once the attempts are used up', async () => {
    const { run, byId } = await runToEnd(`
id: giving-up
name: Giving up
steps:
  - { id: shaky, type: flaky, with: { succeedOn: 5 }, retry: { maxAttempts: 2, backoff: fixed, delay: 10ms } }
  - { id: never, type: transform, with: { value: 1 } }
`);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.error.code, 'WORKFLOW_FAILED');
    assert.match(run.error.message, /Step "shaky" failed: attempt 2 failed/);
    assert.equal(byId.shaky.attempts, 2);
    assert.equal(byId.shaky.status, 'FAILED');
    assert.equal(byId.never.status, 'PENDING');
  });

  it('interrupts a step at its timeout', async () => {
    const { run } = await runToEnd(`
id: step-timeout
name: Step timeout
steps:
  - { id: stuck, type: hang, timeout: 200ms }
`);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.error.code, 'WORKFLOW_FAILED');
    assert.match(run.error.message, /Step "stuck" failed: the step timed out/);
  });

  it('fails a run that exceeds its timeout with TIMEOUT, also while it waits', async () => {
    const { run, byId } = await runToEnd(`
id: run-timeout
name: Run timeout
timeout: 500ms
steps:
  - { id: nap, type: delay, with: { duration: 1m } }
`);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.error.code, 'TIMEOUT');
    assert.equal(byId.nap.status, 'FAILED');
  });

  it('fails a step whose evaluated with does not match its type\'s schema', async () => {
    const { run } = await runToEnd(`
id: bad-input
name: Bad input
steps:
  - { id: nap, type: delay, with: { duration: "{{ [1, 2] }}" } }
`);
    assert.equal(run.status, 'FAILED');
    assert.match(run.error.message, /Step "nap" failed: with\.duration/);
  });

  it('documents the steps endpoint in the OpenAPI document', async () => {
    const doc = await t.api('GET', '/openapi.json');
    const path = doc.body.paths['/workflow-service/api/public/v1/workflow-runs/{runId}/steps'];
    assert.ok(path?.get, 'GET …/workflow-runs/{runId}/steps is in the OpenAPI document');
    // The step record may be inlined or a component ($ref); either way the document holds its fields.
    const schema = JSON.stringify(path.get.responses['200']) + JSON.stringify(doc.body.components ?? {});
    for (const field of ['attempts', 'started_at', 'finished_at', 'SKIPPED']) assert.ok(schema.includes(field), field);
  });

  it('answers 404 for the steps of an unknown run', async () => {
    const response = await t.api('GET', '/workflow-runs/00000000-0000-7000-8000-000000000000/steps');
    assert.equal(response.status, 404);
    assert.equal(response.body.error, 'not_found');
  });
});
