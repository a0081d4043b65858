import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startFakeOpenAi } from './support/fake-openai.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));
const HOME_PAGE = `<!doctype html><html><head><title> Acme Rockets </title>
<meta name="description" content="Rockets for everyone"></head><body><h1>Fly with Acme</h1></body></html>`;

describe('the example workflows use the real step types and run', () => {
  let t: TestServer;
  let site: HttpPeer;
  let llm: HttpPeer & { baseUrl: string };
  before(async () => {
    site = await startHttpPeer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(HOME_PAGE);
    });
    llm = await startFakeOpenAi();
    t = await startTestServer({
      concurrency: 4,
      env: {
        SLIPWAY_HTTP_ALLOW_PRIVATE: 'true',
        SLIPWAY_LLM_BASE_URL: llm.baseUrl,
        SLIPWAY_LLM_API_KEY: 'test-key',
        SLIPWAY_STEP_TYPES: `${EXAMPLES}host-step-types/slugify.ts`,
      },
    });
    for (const file of readdirSync(EXAMPLES).filter((name) => /\.ya?ml$/.test(name))) {
      await t.publish(readFileSync(`${EXAMPLES}${file}`, 'utf8'));
    }
    await t.publish(readFileSync(`${EXAMPLES}host-step-types/slug-demo.yaml`, 'utf8'));
  });
  after(async () => {
    await t.close();
    await site.close();
    await llm.close();
  });

  async function run(workflowId: string, inputs: Record<string, unknown>) {
    const created = await t.api('POST', `/workflows/${workflowId}/runs`, { body: { inputs } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const result = await t.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED'], undefined, 20_000);
    assert.equal(result.status, 'COMPLETED', JSON.stringify(result.error));
    return result.output as any;
  }

  it('hello', async () => {
    assert.deepEqual(await run('hello', { name: 'Ada', excited: true }), { greeting: 'Hello, Ada!', length: 3 });
  });

  it('slow-report', async () => {
    const output = await run('slow-report', { topic: 'sales', seconds: 0 });
    assert.equal(output.topic, 'sales');
  });

  it('brand-brief (http + transform)', async () => {
    const output = await run('brand-brief', { url: `${site.url}/` });
    assert.deepEqual(output, { url: `${site.url}/`, status: 200, title: 'Acme Rockets', description: 'Rockets for everyone', heading: 'Fly with Acme', bytes: HOME_PAGE.length });
  });

  it('brand-summary (http + llm + transform) against the fake provider', async () => {
    const output = await run('brand-summary', { url: `${site.url}/` });
    assert.equal(output.model, 'gpt-4o-mini-2026-01-01');
    assert.deepEqual(Object.keys(output.brief), ['summary', 'audience', 'tone']);
    assert.match(output.brief.summary, /^summary of Summarise this home page/);
    assert.deepEqual({ input: output.usage.input_tokens, output: output.usage.output_tokens, raw: output.usage.raw.total_tokens }, { input: 10, output: 5, raw: 15 });
  });

  it('team-greetings (map + workflow child runs)', async () => {
    const output = await run('team-greetings', {});
    assert.deepEqual(output, { count: 3, lines: ['1. Hello, Ada.', '2. Hello, Grace.', '3. Hello, Linus.'] });
  });

  it('slug-demo (a host step type loaded from SLIPWAY_STEP_TYPES)', async () => {
    assert.equal(await run('slug-demo', { title: 'Déjà Vu: a Story!' }), 'https://blog.example.com/deja-vu-a-story');
  });

  it('publish-approval (a wait step of kind approval): approved with the form, and rejected', async () => {
    const start = async (title: string) => {
      const created = await t.api('POST', '/workflows/publish-approval/runs', { body: { inputs: { title } } });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const runId = created.body.run_id as string;
      const waitpoint = await waitFor(async () => (await t.api('GET', `/workflow-runs/${runId}/waitpoints`)).body.data?.find((w: { status: string }) => w.status === 'OPEN'),
        { what: `the approval of ${runId}`, timeoutMs: 20_000 });
      assert.equal(waitpoint.prompt, `Publish "${title}"?`);
      return { runId, waitpointId: waitpoint.waitpoint_id as string };
    };
    const approved = await start('Spring sale');
    const missing = await t.api('POST', `/waitpoints/${approved.waitpointId}/complete`, { body: { decision: 'approved', data: { comment: 'no channel' } } });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body.details.map((d: { path: string }) => d.path), ['data.channel']);
    const ok = await t.api('POST', `/waitpoints/${approved.waitpointId}/complete`, { body: { decision: 'approved', data: { channel: 'blog', comment: 'ship it' } } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const done = await t.waitForStatus(approved.runId, ['COMPLETED', 'FAILED'], undefined, 20_000);
    assert.equal(done.status, 'COMPLETED', JSON.stringify(done.error));
    assert.deepEqual(done.output, { decision: 'approved', by: 'test', comment: 'ship it', published: 'Published "Spring sale" to the blog' });

    const rejected = await start('Winter sale');
    assert.equal((await t.api('POST', `/waitpoints/${rejected.waitpointId}/complete`, { body: { decision: 'rejected' } })).status, 200);
    const stopped = await t.waitForStatus(rejected.runId, ['COMPLETED', 'FAILED'], undefined, 20_000);
    assert.equal(stopped.status, 'COMPLETED', JSON.stringify(stopped.error));
    assert.equal(stopped.output.decision, 'rejected');
    assert.equal(stopped.output.published ?? null, null);
  });
});
