import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeOpenAi } from './support/fake-openai.js';
import type { HttpPeer } from './support/http-peer.js';
import { startTestServer, type TestServer } from './support/test-server.js';

describe('llm step against a fake OpenAI-compatible server on loopback', () => {
  let t: TestServer;
  let llm: HttpPeer & { baseUrl: string };
  before(async () => {
    llm = await startFakeOpenAi();
    t = await startTestServer({ env: { SLIPWAY_LLM_BASE_URL: llm.baseUrl, SLIPWAY_LLM_API_KEY: 'test-key' } });
  });
  after(async () => {
    await t.close();
    await llm.close();
  });

  async function run(withBlock: string) {
    const id = await t.publish(`name: LLM test\nsteps:\n  - id: ask\n    type: llm\n    with: ${withBlock}\n`);
    const created = await t.api('POST', `/workflows/${id}/runs`, { body: { inputs: {} } });
    return t.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED'], undefined, 20_000);
  }

  it('sends a prompt with model, temperature and system message; returns text, model and usage', async () => {
    const result = await run(`{ model: gpt-test, prompt: "Say hi to {{ run.workflowId }}", system: "Be brief.", temperature: 0.3 }`);
    assert.equal(result.status, 'COMPLETED', JSON.stringify(result.error));
    const output = result.output as any;
    assert.match(output.text, /^echo: Say hi to /);
    assert.equal(output.model, 'gpt-test-2026-01-01');
    assert.deepEqual(output.usage, { input_tokens: 10, output_tokens: 5, model: 'gpt-test-2026-01-01', raw: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } });
    assert.equal('json' in output, false);
    const sent = JSON.parse(llm.requests[llm.requests.length - 1]!.body);
    assert.equal(sent.temperature, 0.3);
    assert.deepEqual(sent.messages.map((m: { role: string }) => m.role), ['system', 'user']);
  });

  it('asks for a JSON-schema answer and parses it into json', async () => {
    const result = await run(`{ model: gpt-test, messages: [{ role: user, content: "brand" }], responseSchema: { type: object, properties: { summary: { type: string } }, required: [summary], additionalProperties: false } }`);
    assert.equal(result.status, 'COMPLETED', JSON.stringify(result.error));
    assert.deepEqual((result.output as any).json, { summary: 'summary of brand' });
    const sent = JSON.parse(llm.requests[llm.requests.length - 1]!.body);
    assert.equal(sent.response_format.type, 'json_schema');
  });

  it('retries a 429 as Retry-After says, within one attempt', async () => {
    const before = llm.requests.length;
    const result = await run(`{ model: rate-limited, prompt: "hello" }`);
    assert.equal(result.status, 'COMPLETED', JSON.stringify(result.error));
    assert.equal(llm.requests.length - before, 2);
  });

  it('gives up on a provider that stays overloaded, and fails at once on a 400', async () => {
    const before = llm.requests.length;
    const overloaded = await run(`{ model: overloaded, prompt: "hello" }`);
    assert.equal(overloaded.status, 'FAILED');
    assert.match((overloaded.error as any).message, /Step "ask" failed: LLM provider answered 503/);
    assert.equal(llm.requests.length - before, 4);
    const bad = await run(`{ model: bad, prompt: "hello" }`);
    assert.equal(bad.status, 'FAILED');
    assert.match((bad.error as any).message, /answered 400/);
  });

  it('moves down a list of models at once on a 5xx, reports usage, and sums it in the run details', async () => {
    const before = llm.requests.length;
    const result = await run(`{ model: [overloaded, gpt-fallback], prompt: "hello" }`);
    assert.equal(result.status, 'COMPLETED', JSON.stringify(result.error));
    assert.deepEqual(llm.requests.slice(before).map((r) => JSON.parse(r.body).model), ['overloaded', 'gpt-fallback'], 'no retry of the first model');
    assert.equal((result.output as any).model, 'gpt-fallback-2026-01-01');
    assert.equal((result.output as any).usage.input_tokens, 10);
    const details = await t.api('GET', `/workflow-runs/${result.run_id}?include=details`);
    assert.deepEqual(details.body.usage, { input_tokens: 10, output_tokens: 5 });
    const plain = await t.api('GET', `/workflow-runs/${result.run_id}`);
    assert.equal('usage' in plain.body, false, 'the Slate answer is unchanged');
    const allDown = await run(`{ model: [overloaded, overloaded], prompt: "hello" }`);
    assert.equal(allDown.status, 'FAILED');
    assert.match((allDown.error as any).message, /overloaded: LLM provider answered 503.*overloaded: LLM provider answered 503/);
  });

  it('keeps the server key from a step\'s own baseUrl, which passes the address guard', async () => {
    const guarded = await run(`{ model: gpt-test, prompt: "x", baseUrl: "${llm.baseUrl}" }`);
    assert.equal(guarded.status, 'FAILED');
    assert.match((guarded.error as any).message, /blocked/);
    const open = await startTestServer({ env: { SLIPWAY_LLM_BASE_URL: 'http://127.0.0.1:9/v1', SLIPWAY_LLM_API_KEY: 'test-key', SLIPWAY_HTTP_ALLOW_PRIVATE: 'true', SLIPWAY_SECRET_KEY: 'b'.repeat(64) } });
    try {
      const ask = async (withBlock: string) => {
        const id = await open.publish(`name: Own provider\nsteps:\n  - id: ask\n    type: llm\n    with: ${withBlock}\n`);
        const created = await open.api('POST', `/workflows/${id}/runs`, { body: { inputs: {} } });
        return open.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED'], undefined, 20_000);
      };
      const before = llm.requests.length;
      const keyless = await ask(`{ model: gpt-test, prompt: "x", baseUrl: "${llm.baseUrl}" }`);
      assert.equal(keyless.status, 'FAILED');
      assert.equal(llm.requests[before]!.headers.authorization, undefined, 'the server key never goes to a step\'s own baseUrl');
      await open.api('PUT', '/secrets/PROVIDER_KEY', { body: { value: 'provider-key-123' } });
      const keyed = await ask(`{ model: gpt-test, prompt: "x", baseUrl: "${llm.baseUrl}", apiKey: "{{ secrets.PROVIDER_KEY }}" }`);
      assert.equal(keyed.status, 'FAILED', 'the fake answers 401 to any key but test-key');
      assert.equal(llm.requests.at(-1)!.headers.authorization, 'Bearer provider-key-123');
    } finally {
      await open.close();
    }
  });
});
