import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createSlipwayClient, SlipwayApiError } from '../src/client/slipway-client.js';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

const YAML = (name = 'Greeter', extra = '') => `name: ${name}
inputs:
  - { variableName: who, type: text, required: true }
  - { variableName: times, type: integer, default: 2 }
steps:
  - id: greet
    type: transform
    with: { value: "Hello, {{ inputs.who }}" }
${extra}`;

for (const backend of testBackends()) describe(`authoring over HTTP (SPEC §14) [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 0 });
  });
  after(() => t.close());

  const put = (id: string, text: string, query = '', contentType = 'application/yaml') =>
    t.api('PUT', `/workflows/${id}${query}`, { rawBody: text, headers: { 'content-type': contentType } });

  it('creates (201) a draft, updates (200) it, publishes, and a re-publish of the same definition publishes nothing', async () => {
    const created = await put('greeter', YAML());
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body._id, 'greeter');
    assert.equal(created.body.status, 'draft');
    assert.equal(created.body.publishedVersion, null);
    assert.equal(created.body.defaultVersion, 0);

    const published = await put('greeter', YAML('Greeter 2'), '?publish=true&_=123');
    assert.equal(published.status, 200);
    assert.equal(published.body.publishedVersion, 1);
    assert.equal(published.body.defaultVersion, 1);
    assert.equal(published.body.name, 'Greeter 2');
    assert.equal(published.body.inputSchema.length, 2);

    const again = await put('greeter', YAML('Greeter 2'), '?publish=true');
    assert.equal(again.status, 200);
    assert.equal(again.body.publishedVersion, null, 'nothing new was published');
    assert.equal(again.body.defaultVersion, 1);
    assert.equal(again.body.totalVersions, 1);

    const draft = await put('greeter', YAML('Greeter 3'), '?publish=false');
    assert.equal(draft.body.publishedVersion, null);
    assert.equal(draft.body.defaultVersion, 1, 'a draft update keeps the published version');
    const definitions = await t.api('GET', '/workflows/greeter/definition');
    assert.equal(definitions.status, 200);
    assert.equal(definitions.body.draft.name, 'Greeter 3');
    assert.equal(definitions.body.published.version, 1);
    assert.equal(definitions.body.published.definition.name, 'Greeter 2');
  });

  it('takes YAML in every YAML media type and JSON; a file without id takes the path\'s, a different id is a 400 at id', async () => {
    for (const [i, type] of ['application/x-yaml', 'text/yaml', 'application/yaml; charset=utf-8'].entries()) {
      const response = await put(`yaml-${i}`, YAML(), '', type);
      assert.equal(response.status, 201, `${type}: ${JSON.stringify(response.body)}`);
    }
    const json = JSON.stringify({ name: 'From JSON', steps: [{ id: 'a', type: 'transform', with: { value: 1 } }] }, null, 2);
    const fromJson = await put('from-json', json, '?publish=true', 'application/json');
    assert.equal(fromJson.status, 201);
    assert.equal(fromJson.body.publishedVersion, 1);

    const same = await put('named', `id: named\n${YAML()}`);
    assert.equal(same.status, 201);
    const other = await put('named', `name: x\nid: other-id\n${YAML().split('\n').slice(1).join('\n')}`);
    assert.equal(other.status, 400);
    assert.equal(other.body.error, 'invalid_definition');
    assert.deepEqual(other.body.details.map((d: any) => [d.path, d.line, d.column]), [['id', 2, 5]]);
    assert.match(other.body.details[0].message, /other-id/);
  });

  it('answers cycles and unknown step types as invalid_definition with line and column', async () => {
    const cyclic = `name: Cyclic
steps:
  - { id: a, type: transform, needs: [b], with: { value: 1 } }
  - { id: b, type: transform, needs: [a], with: { value: 2 } }
`;
    const cycle = await put('cyclic', cyclic, '?publish=true');
    assert.equal(cycle.status, 400);
    assert.equal(cycle.body.error, 'invalid_definition');
    assert.equal(cycle.body.details.length, 1);
    assert.equal(cycle.body.details[0].path, 'steps[0].needs');
    assert.equal(cycle.body.details[0].line, 3);
    assert.equal(cycle.body.details[0].column, 38);
    assert.match(cycle.body.details[0].message, /steps form a cycle: a -> b -> a/);

    const unknown = await put('unknown', 'name: Unknown\nsteps:\n  - id: a\n    type: teleport\n');
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body.details.map((d: any) => [d.path, d.line, d.column]), [['steps[0].type', 4, 11]]);
    assert.match(unknown.body.details[0].message, /unknown step type "teleport"/);
    assert.equal((await t.api('GET', '/workflows/cyclic')).status, 404, 'nothing was stored');
  });

  it('keeps the request limits: 413 over 1 MiB, 415 for other media types, 400 for a bad publish value, 401 without a token', async () => {
    const big = await put('big', `name: Big\ndescription: "${'x'.repeat(1024 * 1024)}"\nsteps: [{ id: a, type: transform }]\n`);
    assert.equal(big.status, 413);
    assert.equal(big.body.error, 'payload_too_large');
    const plain = await put('plain', YAML(), '', 'text/plain');
    assert.equal(plain.status, 415);
    assert.equal(plain.body.error, 'unsupported_media_type');
    const bad = await put('bad', YAML(), '?publish=maybe');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid_request');
    const badId = await put('has.dot', YAML());
    assert.equal(badId.status, 400);
    assert.equal(badId.body.details[0].path, 'params.workflowId');
    assert.equal((await put('x'.repeat(65), YAML())).status, 400);
    const anonymous = await t.api('PUT', '/workflows/anon', { token: null, rawBody: YAML(), headers: { 'content-type': 'application/yaml' } });
    assert.equal(anonymous.status, 401);
    const elsewhere = await put('elsewhere', YAML());
    assert.equal(elsewhere.status, 201);
    const foreign = await t.api('PUT', '/workflows/elsewhere', { rawBody: YAML(), headers: { 'content-type': 'application/yaml', 'x-workspace-id': String(t.workspaceId + 1000) } });
    assert.equal(foreign.status, 403);
  });

  it('validates without storing anything', async () => {
    const before = (await t.api('GET', '/workflows?limit=100')).body.pagination.total;
    const ok = await t.api('POST', '/workflows/validate', { rawBody: YAML(), headers: { 'content-type': 'text/yaml' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { valid: true, diagnostics: [] });
    const broken = await t.api('POST', '/workflows/validate', {
      rawBody: 'name: Broken\nsteps:\n  - id: a\n    type: fail\n    needs: [ghost]\n  - id: a\n    type: nope\n',
      headers: { 'content-type': 'application/yaml' },
    });
    assert.equal(broken.status, 200);
    assert.equal(broken.body.valid, false);
    assert.deepEqual(
      broken.body.diagnostics.map((d: any) => [d.severity, d.path, d.line, d.column]),
      [['error', 'steps[1].id', 6, 9], ['error', 'steps[1].type', 7, 11], ['error', 'steps[0].needs[0]', 5, 13]],
    );
    const syntax = await t.api('POST', '/workflows/validate', { rawBody: 'name: [unclosed\n', headers: { 'content-type': 'application/yaml' } });
    assert.equal(syntax.body.valid, false);
    assert.equal(typeof syntax.body.diagnostics[0].line, 'number');
    const named = await t.api('POST', '/workflows/validate?workflow_id=other', { rawBody: `id: mine\n${YAML()}`, headers: { 'content-type': 'application/yaml' } });
    assert.deepEqual(named.body.diagnostics.map((d: any) => [d.path, d.line, d.column]), [['id', 1, 5]]);
    assert.equal((await t.api('GET', '/workflows?limit=100')).body.pagination.total, before);
  });

  it('dry runs answer the version and the inputs with defaults, or the create\'s errors, and create nothing nor use any quota', async () => {
    const limited = await t.newWorkspace({ dailyRunLimit: 1, concurrentRunLimit: 1 });
    const token = limited.token;
    const applied = await t.api('PUT', '/workflows/dry?publish=true', { token, rawBody: YAML(), headers: { 'content-type': 'application/yaml' } });
    assert.equal(applied.status, 201);
    for (let i = 0; i < 3; i++) {
      const dry = await t.api('POST', '/workflows/dry/runs?dry_run=true', { token, body: { inputs: { who: 'Ada' } }, headers: { 'idempotency-key': `k-${i}` } });
      assert.equal(dry.status, 200, JSON.stringify(dry.body));
      assert.deepEqual(dry.body, { valid: true, version: 1, inputs: { who: 'Ada', times: 2 } });
    }
    const wrong = await t.api('POST', '/workflows/dry/runs?dry_run=true', { token, body: { inputs: { times: 'x' } } });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_inputs');
    assert.equal((await t.api('POST', '/workflows/nothing/runs?dry_run=true', { token, body: { inputs: {} } })).status, 404);
    await t.api('PUT', '/workflows/unpublished', { token, rawBody: YAML(), headers: { 'content-type': 'application/yaml' } });
    const unpublished = await t.api('POST', '/workflows/unpublished/runs?dry_run=true', { token, body: { inputs: { who: 'x' } } });
    assert.equal(unpublished.status, 409);
    assert.equal(unpublished.body.error, 'workflow_not_published');
    assert.equal((await t.api('GET', '/workflow-runs', { token })).body.pagination.total, 0, 'no run was created');

    // the daily limit of 1 and the concurrent limit of 1 are both still free
    const real = await t.api('POST', '/workflows/dry/runs', { token, body: { inputs: { who: 'Ada' } }, headers: { 'idempotency-key': 'k-0' } });
    assert.equal(real.status, 202, JSON.stringify(real.body));
    assert.equal(real.headers.get('idempotent-replayed'), null, 'the dry run kept no idempotency key');
    const refused = await t.api('POST', '/workflows/dry/runs', { token, body: { inputs: { who: 'Ada' } } });
    assert.equal(refused.status, 429);
  });

  it('serves the definition JSON Schema without a token, with the server\'s step types, and the OpenAPI document names the new operations', async () => {
    const schema = await t.api('GET', '/schemas/workflow.json', { token: null });
    assert.equal(schema.status, 200);
    assert.equal(schema.body.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.deepEqual(schema.body.$defs.step.properties.type.anyOf[0].enum, [...t.services.stepTypes.keys()]);
    const file = JSON.parse(readFileSync(new URL('../schemas/workflow.schema.json', import.meta.url), 'utf8'));
    assert.deepEqual(schema.body, file, 'without host step types the served schema is the shipped file');

    const doc = (await t.api('GET', '/openapi.json', { token: null })).body;
    const P = '/workflow-service/api/public/v1';
    const put = doc.paths[`${P}/workflows/{workflowId}`].put;
    assert.equal(put.operationId, 'applyWorkflow');
    assert.ok(put.requestBody.content['application/yaml']);
    assert.ok(put.responses['201']);
    assert.equal(doc.paths[`${P}/workflows/validate`].post.operationId, 'validateWorkflow');
    assert.equal(doc.paths[`${P}/workflows/{workflowId}/definition`].get.operationId, 'getWorkflowDefinition');
    assert.equal(doc.paths[`${P}/schemas/workflow.json`].get.operationId, 'getWorkflowJsonSchema');
    assert.ok(doc.paths[`${P}/workflows/{workflowId}/runs`].post.responses['200'], 'the dry run answer is documented');
    assert.ok(doc.paths[`${P}/workflows/{workflowId}/runs`].post.parameters.some((p: any) => p.name === 'dry_run'));
  });

  it('is reachable through the TS client: apply, validate, dry run, definitions, and definition errors with their place', async () => {
    const client = createSlipwayClient({ baseUrl: t.url, token: t.token });
    const created = await client.applyWorkflow('via-client', YAML('Via client'), { publish: true });
    assert.equal(created.created, true);
    assert.equal(created.publishedVersion, 1);
    const again = await client.applyWorkflow('via-client', JSON.stringify({ name: 'Via client', steps: [{ id: 'x', type: 'transform', with: { value: 2 } }] }), { publish: true, contentType: 'application/json' });
    assert.equal(again.created, false);
    assert.equal(again.publishedVersion, 2);
    assert.deepEqual(await client.validateWorkflow(YAML()), { valid: true, diagnostics: [] });
    assert.deepEqual(await client.dryRunCreateRun('via-client', { inputs: {} }), { valid: true, version: 2, inputs: {} });
    const definitions = await client.getWorkflowDefinition('via-client');
    assert.equal(definitions.published?.version, 2);
    await assert.rejects(client.applyWorkflow('via-client', 'name: X\nsteps:\n  - { id: a, type: nope }\n'), (error: unknown) => {
      assert.ok(error instanceof SlipwayApiError);
      assert.equal(error.body.error, 'invalid_definition');
      assert.deepEqual(error.body.details?.map((d) => [d.path, d.line, d.column]), [['steps[0].type', 3, 20]]);
      return true;
    });
    const elsewhere = createSlipwayClient({ baseUrl: t.url, token: t.token, workspaceId: t.workspaceId + 1000 });
    await assert.rejects(elsewhere.validateWorkflow(YAML()), (error: unknown) => error instanceof SlipwayApiError && error.status === 403);
  });
});
