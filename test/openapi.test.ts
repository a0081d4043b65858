import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './support/test-server.js';

describe('OpenAPI document and API reference', () => {
  let t: TestServer;
  let doc: any;
  before(async () => {
    t = await startTestServer({ concurrency: 0 });
    const response = await t.api('GET', '/openapi.json', { token: null });
    assert.equal(response.status, 200);
    doc = response.body;
  });
  after(() => t.close());

  it('is OpenAPI 3.1 with bearer auth', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: 'slat_<token>' });
  });

  it('documents every public route with every status code it answers and the one error body', () => {
    const P = '/workflow-service/api/public/v1';
    const expected: Record<string, string[]> = {
      [`get ${P}/workflows`]: ['200', '400', '401', '403', '500'],
      [`get ${P}/workflows/{workflowId}`]: ['200', '401', '403', '404', '500'],
      [`post ${P}/workflows/{workflowId}/runs`]: ['202', '400', '401', '403', '404', '409', '413', '415', '429', '500'],
      [`get ${P}/workflow-runs/{runId}`]: ['200', '401', '403', '404', '500'],
      [`post ${P}/workflow-runs/{runId}/cancel`]: ['200', '401', '403', '404', '409', '500'],
    };
    for (const [key, statuses] of Object.entries(expected)) {
      const [method, path] = key.split(' ') as [string, string];
      const operation = doc.paths[path]?.[method];
      assert.ok(operation, `${key} is documented`);
      for (const status of statuses) assert.ok(operation.responses[status], `${key} documents ${status}`);
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        const schema = operation.responses[status].content['application/json'].schema;
        assert.deepEqual(schema.required, ['error', 'message', 'request_id'], `${key} ${status} uses the error body`);
      }
    }
    const create = doc.paths[`${P}/workflows/{workflowId}/runs`].post;
    assert.deepEqual(create.requestBody.content['application/json'].schema.required, ['inputs']);
    assert.ok(create.parameters.some((p: any) => p.name === 'idempotency-key' && p.in === 'header'));
    assert.deepEqual(Object.keys(create.responses['202'].content['application/json'].schema.properties).sort(), [
      'run_id', 'status', 'status_url', 'workflow_execution_id', 'workspace_id',
    ]);
  });

  it('serves a human-readable API reference without a token', async () => {
    const page = await fetch(`${t.url}/workflow-service/api/public/v1/docs/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /swagger/i);
  });
});
