import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { defineStepType, type StepType } from '../src/steps/step-type.js';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

/** A host step whose output is `with.bytes` characters of JSON string. */
const bigStep = defineStepType({
  type: 'big',
  description: 'Outputs a string of with.bytes characters.',
  input: Type.Object({ bytes: Type.Integer() }, { additionalProperties: false }),
  idempotent: true,
  async run(input) {
    return { kind: 'completed', output: 'x'.repeat(input.bytes) };
  },
});

// Each expression below needs far longer than its budget on any machine (seconds to minutes without one).
const ENDLESS_LOOP = '($f := function($n){ $n > 50000000 ? $n : $f($n + 1) }; $f(0))';
const DEEP_RECURSION = '($f := function($n){ $n > 100000 ? 0 : 1 + $f($n + 1) }; $f(0))';
const BACKTRACKING_REGEX = '$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /^(a+)+$/)';

for (const backend of testBackends()) describe(`budgets of SPEC §16 [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      backend,
      concurrency: 2,
      env: { SLIPWAY_EXPRESSION_TIMEOUT: '2s', SLIPWAY_MAX_OUTPUT: '64KiB', SLIPWAY_MAX_MAP_ITEMS: '5' },
      extraStepTypes: [bigStep] as StepType[],
    });
  });
  after(() => t.close());

  async function start(yaml: string) {
    const workflowId = await t.publish(yaml);
    const created = await t.api('POST', `/workflows/${workflowId}/runs`, { body: { inputs: {} } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    return created.body.run_id as string;
  }
  async function finished(runId: string) {
    const run = await t.waitForStatus(runId, ['COMPLETED', 'FAILED'], undefined, 60_000);
    const steps = await t.api('GET', `/workflow-runs/${runId}/steps`);
    return { run, steps: steps.body.data as any[] };
  }
  const oneStep = (id: string, value: string, extra = '') => `
id: ${id}
name: ${id}
steps:
  - id: work
    type: transform
    retry: { maxAttempts: 3, delay: 10ms }${extra}
    with: { value: '{{ ${value.replaceAll("'", "''")} }}' }
`;

  it('fails a looping expression with EXPRESSION_TIMEOUT, not retried, while the API keeps answering', async () => {
    const runId = await start(oneStep('loop', ENDLESS_LOOP));
    await t.waitForStatus(runId, ['RUNNING', 'FAILED', 'COMPLETED'], undefined, 30_000);
    // The expression is being evaluated now (its budget is 2 s): the API answers meanwhile.
    const health = await t.api('GET', '//healthz', { token: null });
    assert.equal(health.status, 200);
    const during = await t.api('GET', `/workflow-runs/${runId}`);
    assert.equal(during.body.status, 'RUNNING', 'the API answered only after the expression ended');
    const { run, steps } = await finished(runId);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.error.code, 'WORKFLOW_FAILED');
    assert.match(run.error.message, /Step "work" failed: EXPRESSION_TIMEOUT: .*SLIPWAY_EXPRESSION_TIMEOUT/);
    assert.equal(steps[0].error.code, 'EXPRESSION_TIMEOUT');
    assert.equal(steps[0].attempts, 1, 'a budget is not retried');
  });

  it('fails deep recursion with EXPRESSION_TOO_DEEP', async () => {
    const { run, steps } = await finished(await start(oneStep('deep', DEEP_RECURSION)));
    assert.equal(run.status, 'FAILED');
    assert.match(run.error.message, /EXPRESSION_TOO_DEEP.*SLIPWAY_EXPRESSION_MAX_DEPTH/);
    assert.equal(steps[0].error.code, 'EXPRESSION_TOO_DEEP');
    assert.equal(steps[0].attempts, 1);
  });

  it('stops a backtracking regex (a worker thread with a hard limit) while the API keeps answering', async () => {
    const runId = await start(oneStep('regex', BACKTRACKING_REGEX));
    await t.waitForStatus(runId, ['RUNNING', 'FAILED', 'COMPLETED'], undefined, 30_000);
    const during = await t.api('GET', `/workflow-runs/${runId}`);
    assert.equal(during.body.status, 'RUNNING', 'the API answered only after the regex ended');
    const { run, steps } = await finished(runId);
    assert.equal(run.status, 'FAILED');
    assert.equal(steps[0].error.code, 'EXPRESSION_TIMEOUT');
    assert.equal(steps[0].attempts, 1);
  });

  it('still evaluates ordinary expressions, regexes included, on both paths', async () => {
    const { run } = await finished(await start(oneStep('fine', '{"m": $match("order-42", /[0-9]+/).match, "s": $sort([3,1,2]), "n": $sum([1..100])}')));
    assert.equal(run.status, 'COMPLETED', JSON.stringify(run.error));
    assert.deepEqual(run.output, { m: '42', s: [1, 2, 3], n: 5050 });
  });

  it('fails a step whose output is over SLIPWAY_MAX_OUTPUT with OUTPUT_TOO_LARGE, and a run output over it', async () => {
    const big = await finished(await start(`
id: big-step
name: big step
steps:
  - { id: big, type: big, with: { bytes: 70000 }, retry: { maxAttempts: 3, delay: 10ms } }
`));
    assert.equal(big.run.status, 'FAILED');
    assert.match(big.run.error.message, /Step "big" failed: OUTPUT_TOO_LARGE: .*SLIPWAY_MAX_OUTPUT/);
    assert.equal(big.steps[0].error.code, 'OUTPUT_TOO_LARGE');
    assert.equal(big.steps[0].attempts, 1);
    assert.equal(big.steps[0].output, null);

    const whole = await finished(await start(`
id: big-run
name: big run
steps:
  - { id: a, type: big, needs: [], with: { bytes: 40000 } }
  - { id: b, type: big, needs: [], with: { bytes: 40000 } }
output: "{{ [steps.a.output, steps.b.output] }}"
`));
    assert.equal(whole.run.status, 'FAILED');
    assert.equal(whole.run.error.code, 'WORKFLOW_FAILED');
    assert.match(whole.run.error.message, /output.*OUTPUT_TOO_LARGE/);
    assert.equal(whole.run.output, null);
  });

  it('fails an expression that builds an oversized value with OUTPUT_TOO_LARGE', async () => {
    const { run, steps } = await finished(await start(oneStep('grow', '$pad("x", 70000, "y")')));
    assert.equal(run.status, 'FAILED');
    assert.equal(steps[0].error.code, 'OUTPUT_TOO_LARGE');
  });

  it('fails a map over more than SLIPWAY_MAX_MAP_ITEMS items with TOO_MANY_ITEMS', async () => {
    const yaml = (n: number) => `
id: map-${n}
name: map ${n}
steps:
  - id: each
    type: map
    with:
      items: "{{ [1..${n}] }}"
      steps:
        - { id: double, type: transform, with: { value: "{{ item * 2 }}" } }
`;
    const ok = await finished(await start(yaml(5)));
    assert.equal(ok.run.status, 'COMPLETED');
    assert.deepEqual(ok.run.output, [2, 4, 6, 8, 10]);
    const tooMany = await finished(await start(yaml(6)));
    assert.equal(tooMany.run.status, 'FAILED');
    assert.match(tooMany.run.error.message, /Step "each" failed: TOO_MANY_ITEMS: .*SLIPWAY_MAX_MAP_ITEMS/);
    assert.equal(tooMany.steps.find((s) => s.id === 'each').error.code, 'TOO_MANY_ITEMS');
    assert.equal(tooMany.steps.length, 1, 'no item ran');
  });
});
