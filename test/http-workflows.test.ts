import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

const definition = (id: string, name: string, extra = '') => `
id: ${id}
name: ${name}
description: ${name} does things
categories: [testing]
emoji: "🧪"
color: "#123456"
readme: "# ${name}"
outputType: markdown
inputs:
  - { variableName: topic, label: Topic, type: select, options: [a, b], required: true, description: pick one }
  - { variableName: count, type: integer, default: 3 }
steps:
  - { id: only, type: transform, with: { value: "{{ inputs.topic }}" } }
${extra}`;

for (const backend of testBackends()) describe(`workflows: list and get (SPEC §3) [${backend}]`, () => {
  let t: TestServer;
  let now = Date.parse('2026-01-01T00:00:00.000Z');
  before(async () => {
    t = await startTestServer({ backend, concurrency: 0, clock: { now: () => now } });
    // 20 published workflows, updated one second apart, plus 2 drafts
    for (let i = 1; i <= 20; i++) {
      now += 1000;
      await t.publish(definition(`wf-${String(i).padStart(2, '0')}`, i % 2 === 0 ? `Even Report ${i}` : `Odd Digest ${i}`));
    }
    for (const id of ['draft-1', 'draft-2']) {
      now += 1000;
      await t.services.workflows.applyWorkflow({ workspaceId: t.workspaceId, text: definition(id, `Draft ${id}`), publish: false });
    }
  });
  after(() => t.close());

  it('lists with the default page size of 15, sorted by updatedAt descending', async () => {
    const response = await t.api('GET', '/workflows');
    assert.equal(response.status, 200);
    assert.equal(response.body.data.length, 15);
    assert.deepEqual(response.body.pagination, { page: 1, limit: 15, total: 22, totalPages: 2 });
    assert.equal(response.body.data[0]._id, 'draft-2');
    const updated = response.body.data.map((w: any) => w.updatedAt);
    assert.deepEqual(updated, [...updated].sort().reverse());
    const summary = response.body.data.find((w: any) => w._id === 'wf-20');
    assert.deepEqual(Object.keys(summary).sort(), [
      '_id', 'categories', 'color', 'createdAt', 'defaultVersion', 'description', 'emoji', 'name', 'status', 'totalVersions', 'updatedAt', 'uuid',
    ]);
  });

  it('pages, and a page past the end has empty data', async () => {
    const second = await t.api('GET', '/workflows?page=2&limit=15');
    assert.equal(second.body.data.length, 7);
    const past = await t.api('GET', '/workflows?page=9&limit=10');
    assert.equal(past.status, 200);
    assert.deepEqual(past.body.data, []);
    assert.deepEqual(past.body.pagination, { page: 9, limit: 10, total: 22, totalPages: 3 });
  });

  it('filters by status and by a case-insensitive substring of the name', async () => {
    const drafts = await t.api('GET', '/workflows?status=draft');
    assert.deepEqual(drafts.body.data.map((w: any) => w._id).sort(), ['draft-1', 'draft-2']);
    assert.ok(drafts.body.data.every((w: any) => w.status === 'draft' && w.defaultVersion === 0 && w.totalVersions === 0));
    const published = await t.api('GET', '/workflows?status=published&limit=100');
    assert.equal(published.body.pagination.total, 20);
    const search = await t.api('GET', '/workflows?search=eVeN%20rEp&limit=100');
    assert.equal(search.body.pagination.total, 10);
    assert.ok(search.body.data.every((w: any) => w.name.startsWith('Even Report')));
    const wildcard = await t.api('GET', '/workflows?search=%25');
    assert.equal(wildcard.body.pagination.total, 0, 'search is a plain substring, not a LIKE pattern');
  });

  it('answers 400 invalid_request for bad query values', async () => {
    // Unknown parameters are ignored since SPEC §3 says so (issue 19 item 9; test/http-hardening.test.ts).
    for (const query of ['status=archived', 'page=0', 'page=abc', 'limit=0', 'limit=101', 'limit=1.5', 'page=1e3']) {
      const response = await t.api('GET', `/workflows?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal(response.body.error, 'invalid_request', query);
      assert.ok(Array.isArray(response.body.details) && response.body.details.length > 0, query);
    }
  });

  it('gets one published workflow with its inputSchema, outputType and readme', async () => {
    const response = await t.api('GET', '/workflows/wf-01');
    assert.equal(response.status, 200);
    const w = response.body;
    assert.equal(w._id, 'wf-01');
    assert.equal(w.status, 'published');
    assert.equal(w.defaultVersion, 1);
    assert.equal(w.totalVersions, 1);
    assert.equal(w.outputType, 'markdown');
    assert.equal(w.readme, '# Odd Digest 1');
    assert.deepEqual(w.categories, ['testing']);
    assert.match(w.uuid, /^[0-9a-f-]{36}$/);
    assert.deepEqual(w.inputSchema, [
      { id: 'topic', type: 'select', label: 'Topic', variableName: 'topic', required: true, options: ['a', 'b'], description: 'pick one' },
      { id: 'count', type: 'integer', label: 'count', variableName: 'count', required: false, default: 3 },
    ]);
  });

  it('omits inputSchema while a workflow is a draft', async () => {
    const response = await t.api('GET', '/workflows/draft-1');
    assert.equal(response.status, 200);
    assert.equal(response.body.status, 'draft');
    assert.equal('inputSchema' in response.body, false);
  });

  it('answers 404 not_found for an unknown workflow', async () => {
    const response = await t.api('GET', '/workflows/nope');
    assert.equal(response.status, 404);
    assert.equal(response.body.error, 'not_found');
  });

  it('publishing again adds a version and makes it the default; an identical definition adds none', async () => {
    now += 1000;
    const text = definition('versioned', 'Versioned');
    const first = await t.services.workflows.applyWorkflow({ workspaceId: t.workspaceId, text, publish: true });
    assert.equal(first.publishedVersion, 1);
    const same = await t.services.workflows.applyWorkflow({ workspaceId: t.workspaceId, text, publish: true });
    assert.equal(same.publishedVersion, null);
    const changed = await t.services.workflows.applyWorkflow({ workspaceId: t.workspaceId, text: text.replace('inputs.topic', 'inputs.count'), publish: true });
    assert.equal(changed.publishedVersion, 2);
    const w = (await t.api('GET', '/workflows/versioned')).body;
    assert.equal(w.defaultVersion, 2);
    assert.equal(w.totalVersions, 2);
    const versions = await t.server.store.listWorkflowVersions(t.workspaceId, 'versioned');
    assert.deepEqual(versions.map((v) => v.version), [2, 1]);
  });

  it('gives a workflow without an id in its file a 24-hex _id', async () => {
    const result = await t.services.workflows.applyWorkflow({
      workspaceId: t.workspaceId,
      text: 'name: Anonymous\nsteps:\n  - { id: s, type: transform, with: { value: 1 } }\n',
      publish: true,
    });
    assert.match(result.workflow.id, /^[0-9a-f]{24}$/);
    assert.equal((await t.api('GET', `/workflows/${result.workflow.id}`)).status, 200);
  });
});
