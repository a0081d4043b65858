import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSlipwayClient } from '../src/client/slipway-client.js';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

const BLOB = 'x'.repeat(70_000);

for (const backend of testBackends()) describe(`bounded list answers: values over 64 KiB are truncated in lists only (SPEC §16) [${backend}]`, () => {
  let t: TestServer;
  let runId: string;
  before(async () => {
    t = await startTestServer({ backend });
    await t.publish(`
id: blob
name: blob
inputs:
  - { variableName: blob, type: textarea, required: true }
steps:
  - { id: copy, type: transform, with: { value: { text: "{{ inputs.blob }}" } } }
  - { id: small, type: transform, with: { value: "{{ $length(steps.copy.output.text) }}" } }
output: "{{ steps.copy.output }}"
`);
    const created = await t.api('POST', '/workflows/blob/runs', { body: { inputs: { blob: BLOB } } });
    assert.equal(created.status, 202);
    runId = created.body.run_id;
    await t.waitForStatus(runId, ['COMPLETED'], undefined, 20_000);
  });
  after(() => t.close());

  it('truncates output and inputs in /workflow-runs items, and keeps them whole in the run\'s own GET', async () => {
    const listed = await t.api('GET', '/workflow-runs?workflow_id=blob');
    const item = listed.body.data.find((r: { run_id: string }) => r.run_id === runId);
    assert.deepEqual(item.output, { truncated: true, bytes: Buffer.byteLength(JSON.stringify({ text: BLOB })) });
    assert.deepEqual(item.inputs, { truncated: true, bytes: Buffer.byteLength(JSON.stringify({ blob: BLOB })) });
    assert.ok(Buffer.byteLength(JSON.stringify(listed.body)) < 16 * 1024);
    const own = await t.api('GET', `/workflow-runs/${runId}?include=details`);
    assert.equal(own.body.output.text, BLOB);
    assert.equal(own.body.inputs.blob, BLOB);
  });

  it('truncates outputs in …/steps entries; GET …/steps/{stepId} has the output and input whole', async () => {
    const steps = await t.api('GET', `/workflow-runs/${runId}/steps`);
    const [copy, small] = steps.body.data;
    assert.deepEqual(copy.output, { truncated: true, bytes: Buffer.byteLength(JSON.stringify({ text: BLOB })) });
    assert.equal(small.output, 70_000, 'small values stay as they are');
    const one = await t.api('GET', `/workflow-runs/${runId}/steps/copy`);
    assert.equal(one.status, 200);
    assert.equal(one.body.run_id, runId);
    assert.equal(one.body.id, 'copy');
    assert.equal(one.body.status, 'COMPLETED');
    assert.equal(one.body.output.text, BLOB);
    assert.equal(one.body.input.value.text, BLOB);
    const missing = await t.api('GET', `/workflow-runs/${runId}/steps/nope`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, 'not_found');
    const client = createSlipwayClient({ baseUrl: t.url, token: t.token });
    const viaClient = await client.getRunStep(runId, 'copy');
    assert.equal((viaClient.output as { text: string }).text.length, 70_000);
  });

  it('documents the step endpoint in OpenAPI', async () => {
    const spec = await t.api('GET', '/openapi.json', { token: null });
    assert.ok(spec.body.paths['/workflow-service/api/public/v1/workflow-runs/{runId}/steps/{stepId}']?.get, Object.keys(spec.body.paths ?? {}).join(', '));
  });
});
