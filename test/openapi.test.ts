import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ERROR_CATALOGUE, type ErrorCode } from '../src/core/errors.js';
import { startTestServer, tempDir, type TestServer } from './support/test-server.js';

/** Follows a local `$ref` (`#/components/…`) to what it names. */
function deref(doc: any, node: any): any {
  if (!node?.$ref) return node;
  return (node.$ref as string).slice(2).split('/').reduce((at: any, key: string) => at[key], doc);
}

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
        const schema = deref(doc, operation.responses[status].content['application/json'].schema);
        assert.deepEqual(schema.required, ['error', 'message', 'request_id'], `${key} ${status} uses the error body`);
      }
    }
    const create = doc.paths[`${P}/workflows/{workflowId}/runs`].post;
    assert.deepEqual(deref(doc, create.requestBody.content['application/json'].schema).required, ['inputs']);
    assert.ok(create.parameters.some((p: any) => p.name === 'idempotency-key' && p.in === 'header'));
    assert.deepEqual(Object.keys(deref(doc, create.responses['202'].content['application/json'].schema).properties).sort(), [
      'run_id', 'status', 'status_url', 'workflow_execution_id', 'workspace_id',
    ]);
  });

  const operations = () =>
    Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ key: `${method} ${path}`, operation })),
    );

  it('is lint-clean for generated clients: `redocly lint` finds no error and no warning (issue 19 item 10)', async () => {
    const dir = tempDir('slipway-openapi-');
    try {
      const file = join(dir.path, 'openapi.json');
      writeFileSync(file, JSON.stringify(doc));
      const bin = join(import.meta.dirname, '..', 'node_modules', '.bin', 'redocly');
      const run = await promisify(execFile)(bin, ['lint', file, '--format=json'], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }).catch((error) => error);
      const report = JSON.parse(run.stdout);
      assert.deepEqual(report.problems.map((p: any) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`), []);
      assert.equal(report.totals.errors, 0);
      assert.equal(report.totals.warnings, 0);
    } finally {
      dir.remove();
    }
  });

  it('gives every operation a unique operationId and names the schemas clients use', () => {
    const ids = operations().map(({ key, operation }) => {
      assert.match(operation.operationId ?? '', /^[a-z][A-Za-z]+$/, `${key} has an operationId`);
      return operation.operationId;
    });
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    const names = Object.keys(doc.components.schemas);
    for (const name of ['Run', 'Workflow', 'WorkflowSummary', 'Error', 'CreatedRun', 'CanceledRun', 'WorkflowList', 'RunList', 'ApiToken', 'StepRecord']) {
      assert.ok(names.includes(name), `components.schemas.${name}`);
    }
    assert.deepEqual(names.filter((n) => /^def-\d+$/.test(n)), []);
    const getRun = doc.paths['/workflow-service/api/public/v1/workflow-runs/{runId}'].get;
    assert.equal(getRun.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/Run');
    const list = doc.paths['/workflow-service/api/public/v1/workflows'].get;
    assert.equal(deref(doc, list.responses['200'].content['application/json'].schema).properties.data.items.$ref, '#/components/schemas/WorkflowSummary');
  });

  it('documents the response headers, the optional request headers and examples of path parameters', () => {
    for (const { key, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
        assert.equal(response.headers?.['X-Request-Id']?.$ref, '#/components/headers/X-Request-Id', `${key} ${status} X-Request-Id`);
        if (status === '429' || status === '503') assert.equal(response.headers['Retry-After']?.$ref, '#/components/headers/Retry-After', `${key} ${status}`);
      }
      const parameters = (operation.parameters ?? []).map((p: any) => deref(doc, p));
      assert.ok(parameters.some((p: any) => p.in === 'header' && p.name === 'X-Request-Id' && p.required === false), `${key} X-Request-Id parameter`);
      for (const p of parameters.filter((p: any) => p.in === 'path')) assert.ok(p.example !== undefined || p.examples !== undefined, `${key} ${p.name} example`);
      if (!(Array.isArray(operation.security) && operation.security.length === 0)) {
        for (const name of ['X-Workspace-Id', 'X-Organization-Id']) assert.ok(parameters.some((p: any) => p.name === name && p.required === false), `${key} ${name}`);
      }
    }
    const create = doc.paths['/workflow-service/api/public/v1/workflows/{workflowId}/runs'].post;
    assert.equal(create.responses['202'].headers['Idempotent-Replayed'].$ref, '#/components/headers/Idempotent-Replayed');
    assert.ok(doc.components.headers['Retry-After'].schema);
  });

  it('generates each error response from the catalogue: its codes, of that status, each described', () => {
    for (const { key, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
        if (Number(status) < 400) continue;
        const codes: ErrorCode[] = response['x-error-codes'];
        assert.ok(Array.isArray(codes) && codes.length > 0, `${key} ${status} lists its codes`);
        for (const code of codes) {
          assert.equal(ERROR_CATALOGUE[code], Number(status), `${key}: ${code} is a ${status}`);
          assert.ok(response.description.includes(`\`${code}\``), `${key} ${status} describes ${code}`);
        }
        assert.equal(response.content['application/json'].schema.$ref, '#/components/schemas/Error');
      }
      for (const universal of ['400', '500', '503']) assert.ok(operation.responses[universal], `${key} documents ${universal}`);
    }
    const create = doc.paths['/workflow-service/api/public/v1/workflows/{workflowId}/runs'].post;
    assert.deepEqual(create.responses['409']['x-error-codes'], ['workflow_not_published', 'idempotency_conflict']);
    assert.deepEqual(create.responses['429']['x-error-codes'], ['daily_run_limit_exceeded', 'concurrent_run_limit_exceeded']);
  });

  it('serves a human-readable API reference without a token', async () => {
    const page = await fetch(`${t.url}/workflow-service/api/public/v1/docs/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /swagger/i);
  });
});
