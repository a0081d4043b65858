import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPrivateAddress } from '../src/steps/address-guard.js';
import { sendJson, startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startTestServer, type TestServer } from './support/test-server.js';

describe('http step against a real local peer', () => {
  let t: TestServer;
  let peer: HttpPeer;
  let flakyCalls = 0;
  before(async () => {
    peer = await startHttpPeer((request, response) => {
      switch (request.path) {
        case '/echo':
          return sendJson(response, 200, { method: request.method, query: Object.fromEntries(request.query), auth: request.headers.authorization ?? null, contentType: request.headers['content-type'] ?? null, body: request.body });
        case '/text':
          response.writeHead(200, { 'content-type': 'text/plain' });
          return void response.end('plain words');
        case '/missing':
          return sendJson(response, 404, { error: 'nope' });
        case '/flaky':
          flakyCalls++;
          return flakyCalls < 3 ? sendJson(response, 503, { error: 'busy' }) : sendJson(response, 200, { ok: true, calls: flakyCalls });
        case '/big':
          response.writeHead(200, { 'content-type': 'text/plain' });
          return void response.end('x'.repeat(4096));
        case '/redirect':
          response.writeHead(302, { location: '/echo?redirected=yes' });
          return void response.end();
        case '/slow':
          return void setTimeout(() => sendJson(response, 200, {}), 2000);
        default:
          return sendJson(response, 404, {});
      }
    });
    t = await startTestServer({ env: { SLIPWAY_HTTP_ALLOW_PRIVATE: 'true', SLIPWAY_HTTP_MAX_RESPONSE_BYTES: '1024' } });
  });
  after(async () => {
    await t.close();
    await peer.close();
  });

  async function run(steps: string, inputs: Record<string, unknown> = {}) {
    const id = `http-${Math.random().toString(36).slice(2, 10)}`;
    await t.publish(`id: ${id}\nname: HTTP test\ninputs:\n  - { variableName: base, type: text, required: true }\nsteps:\n${steps}`);
    const created = await t.api('POST', `/workflows/${id}/runs`, { body: { inputs: { base: peer.url, ...inputs } } });
    assert.equal(created.status, 202);
    return t.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED'], undefined, 20_000);
  }

  it('sends method, query, headers and a JSON body, and parses a JSON answer', async () => {
    const result = await run(`
  - id: call
    type: http
    with:
      method: post
      url: "{{ inputs.base }}/echo"
      query: { q: "brand", n: 2 }
      headers: { Authorization: "Bearer abc" }
      body: { hello: "world" }
`);
    assert.equal(result.status, 'COMPLETED', JSON.stringify(result.error));
    const output = result.output as any;
    assert.equal(output.status, 200);
    assert.equal(output.headers['content-type'], 'application/json');
    assert.deepEqual(output.body, { method: 'POST', query: { q: 'brand', n: '2' }, auth: 'Bearer abc', contentType: 'application/json', body: '{"hello":"world"}' });
  });

  it('sends a text body as text and returns a text answer as a string; follows redirects', async () => {
    const result = await run(`
  - { id: a, type: http, with: { method: PUT, url: "{{ inputs.base }}/echo", body: "just text" } }
  - { id: b, type: http, with: { url: "{{ inputs.base }}/text" } }
  - { id: c, type: http, with: { url: "{{ inputs.base }}/redirect" } }
output: { a: "{{ steps.a.output.body }}", b: "{{ steps.b.output.body }}", c: "{{ steps.c.output.body.query }}" }
`);
    assert.equal(result.status, 'COMPLETED', JSON.stringify(result.error));
    const output = result.output as any;
    assert.equal(output.a.contentType, 'text/plain; charset=utf-8');
    assert.equal(output.a.body, 'just text');
    assert.equal(output.b, 'plain words');
    assert.deepEqual(output.c, { redirected: 'yes' });
  });

  it('fails on a non-2xx answer, unless failOnError is false', async () => {
    const failed = await run(`  - { id: lookup, type: http, with: { url: "{{ inputs.base }}/missing" } }\n`);
    assert.equal(failed.status, 'FAILED');
    assert.equal((failed.error as any).code, 'WORKFLOW_FAILED');
    assert.match((failed.error as any).message, /Step "lookup" failed: GET .*\/missing answered 404/);
    const tolerated = await run(`  - { id: lookup, type: http, with: { url: "{{ inputs.base }}/missing", failOnError: false } }\n`);
    assert.equal(tolerated.status, 'COMPLETED');
    assert.deepEqual((tolerated.output as any).body, { error: 'nope' });
  });

  it('retries a flaky peer until it answers', async () => {
    flakyCalls = 0;
    const result = await run(`  - { id: flaky, type: http, with: { url: "{{ inputs.base }}/flaky" }, retry: { maxAttempts: 4, delay: 10ms } }\n`);
    assert.equal(result.status, 'COMPLETED', JSON.stringify(result.error));
    assert.deepEqual((result.output as any).body, { ok: true, calls: 3 });
    assert.equal(flakyCalls, 3);
  });

  it('does not retry a 4xx answer', async () => {
    const before = peer.count('/missing');
    const result = await run(`  - { id: lookup, type: http, with: { url: "{{ inputs.base }}/missing" }, retry: { maxAttempts: 3, delay: 10ms } }\n`);
    assert.equal(result.status, 'FAILED');
    assert.equal(peer.count('/missing') - before, 1);
  });

  it('caps the response size and honours its own timeout', async () => {
    const big = await run(`  - { id: big, type: http, with: { url: "{{ inputs.base }}/big" } }\n`);
    assert.equal(big.status, 'FAILED');
    assert.match((big.error as any).message, /larger than 1024 bytes/);
    const slow = await run(`  - { id: slow, type: http, with: { url: "{{ inputs.base }}/slow", timeout: 200ms } }\n`);
    assert.equal(slow.status, 'FAILED');
    assert.match((slow.error as any).message, /no answer within 200 ms/);
  });
});

describe('http step SSRF guard', () => {
  let t: TestServer;
  let peer: HttpPeer;
  before(async () => {
    peer = await startHttpPeer((_request, response) => sendJson(response, 200, {}));
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
    await peer.close();
  });

  it('refuses loopback addresses by default, by IP and by name, without sending anything', async () => {
    for (const url of [`${peer.url}/x`, peer.url.replace('127.0.0.1', 'localhost') + '/y']) {
      const id = await t.publish(`name: Guarded\nsteps:\n  - { id: call, type: http, with: { url: "${url}" } }\n`);
      const created = await t.api('POST', `/workflows/${id}/runs`, { body: { inputs: {} } });
      const result = await t.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED']);
      assert.equal(result.status, 'FAILED');
      assert.match((result.error as any).message, /SLIPWAY_HTTP_ALLOW_PRIVATE/);
    }
    assert.equal(peer.requests.length, 0);
  });

  it('classifies addresses', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '0.0.0.0']) {
      assert.equal(isPrivateAddress(address), true, address);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) assert.equal(isPrivateAddress(address), false, address);
  });
});
