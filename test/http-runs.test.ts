import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HELLO_WORKFLOW, startTestServer, testBackends, type TestServer } from './support/test-server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

for (const backend of testBackends()) {
  describe(`runs: create, get, cancel (SPEC §3, §4) [${backend}]`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer({ backend, concurrency: 2 });
      await t.publish(HELLO_WORKFLOW);
    });
    after(() => t.close());

    it('creates a QUEUED run with the Slate response shape and runs it to COMPLETED', async () => {
      const created = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'Ada' }, metadata: { source: 'test' } } });
      assert.equal(created.status, 202);
      assert.match(created.body.run_id, UUID);
      assert.deepEqual(created.body, {
        run_id: created.body.run_id,
        status: 'QUEUED',
        workspace_id: null,
        workflow_execution_id: null,
        status_url: `/workflow-service/api/public/v1/workflow-runs/${created.body.run_id}`,
      });
      const run = await t.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED']);
      assert.equal(run.status, 'COMPLETED');
      assert.equal(run.output, 'Hello, Ada');
      assert.equal(run.error, null);
      assert.equal(run.workflow_id, 'hello');
      assert.equal(run.workspace_id, t.workspaceId);
      assert.equal(typeof run.workflow_execution_id, 'string');
      assert.deepEqual(run.metadata, { source: 'test' });
      for (const key of ['created_at', 'updated_at', 'completed_at'] as const) assert.match(run[key] as string, ISO_MS);
      const status = await t.api('GET', created.body.status_url.replace('/workflow-service/api/public/v1', ''));
      assert.equal(status.status, 200);
    });
  });
}
