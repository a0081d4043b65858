import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { isPrivateAddress } from '../src/steps/address-guard.js';
import { sendJson, startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** The headers a peer received, as the test cares about them. */
const seen = (headers: Record<string, unknown>) => ({
  authorization: headers.authorization ?? null, cookie: headers.cookie ?? null, apiKey: headers['x-api-key'] ?? null, accept: headers.accept ?? null,
});

describe('http step hardening (issue 19 item 5)', () => {
  let t: TestServer;
  let guarded: TestServer;
  let home: HttpPeer;
  let elsewhere: HttpPeer;
  before(async () => {
    // Two real peers on different ports: different origins.
    elsewhere = await startHttpPeer((request, response) => sendJson(response, 200, { at: 'elsewhere', headers: seen(request.headers) }));
    home = await startHttpPeer((request, response) => {
      switch (request.path) {
        case '/away':
          response.writeHead(302, { location: `${elsewhere.url}/landed` });
          return void response.end();
        case '/here':
          response.writeHead(307, { location: '/landed' });
          return void response.end();
        default:
          return sendJson(response, 200, { at: 'home', headers: seen(request.headers) });
      }
    });
    t = await startTestServer({ env: { SLIPWAY_HTTP_ALLOW_PRIVATE: 'true' } });
    guarded = await startTestServer({ env: { SLIPWAY_HTTP_ALLOW_PRIVATE: 'false' } });
  });
  after(async () => {
    await t.close();
    await guarded.close();
    await home.close();
    await elsewhere.close();
  });

  async function call(server: TestServer, url: string) {
    const id = `http-${Math.random().toString(36).slice(2, 10)}`;
    await server.publish(`
id: ${id}
name: http hardening
inputs:
  - { variableName: url, type: text, required: true }
steps:
  - id: call
    type: http
    with:
      url: "{{ inputs.url }}"
      headers: { Authorization: "Bearer secret-token", Cookie: "session=s3cret", X-Api-Key: "k3y", Accept: "application/json" }
`);
    const created = await server.api('POST', `/workflows/${id}/runs`, { body: { inputs: { url } } });
    assert.equal(created.status, 202);
    return server.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED'], undefined, 20_000);
  }

  it('drops Authorization, Cookie and custom headers on a redirect to another origin', async () => {
    const run = await call(t, `${home.url}/away`);
    assert.equal(run.status, 'COMPLETED', JSON.stringify(run.error));
    assert.equal(run.output.body.at, 'elsewhere');
    assert.deepEqual(run.output.body.headers, { authorization: null, cookie: null, apiKey: null, accept: 'application/json' });
    assert.equal(elsewhere.requests.at(-1)!.headers.authorization, undefined);
  });

  it('keeps them on a redirect within the same origin', async () => {
    const run = await call(t, `${home.url}/here`);
    assert.equal(run.status, 'COMPLETED', JSON.stringify(run.error));
    assert.deepEqual(run.output.body, { at: 'home', headers: { authorization: 'Bearer secret-token', cookie: 'session=s3cret', apiKey: 'k3y', accept: 'application/json' } });
  });

  it('keeps URL credentials out of error messages', async () => {
    const closed = await startHttpPeer(() => {});
    const port = new URL(closed.url).port;
    await closed.close();
    const run = await call(t, `http://ada:pa55word@127.0.0.1:${port}/x`);
    assert.equal(run.status, 'FAILED');
    assert.doesNotMatch(run.error.message, /pa55word|ada:/);
    const bad = await call(t, 'http//ada:pa55word@nowhere');
    assert.equal(bad.status, 'FAILED');
    assert.doesNotMatch(bad.error.message, /pa55word/);
  });

  it('refuses IPv6 forms of loopback (IPv4-mapped in hex) that reached the peer before', async () => {
    const port = new URL(home.url).port;
    const before = home.requests.length;
    for (const host of ['[::ffff:7f00:1]', '[::ffff:127.0.0.1]', '[::127.0.0.1]', '[2002:7f00:1::1]', '[64:ff9b::7f00:1]']) {
      const run = await call(guarded, `http://${host}:${port}/landed`);
      assert.equal(run.status, 'FAILED', host);
      assert.match(run.error.message, /refused to connect/, host);
    }
    assert.equal(home.requests.length, before, 'no request reached the loopback peer');
  });

  it('blocks documentation ranges, 6to4 and IPv4-compatible forms of private addresses, and this host\'s own addresses', () => {
    for (const address of [
      '192.0.2.1', '198.51.100.7', '203.0.113.9', '2001:db8::1', '2001:db8:ffff::1',
      '2002:0a00:0001::1', '2002:c0a8:0101::', '2002:7f00:1::1', '::10.0.0.1', '::7f00:1', '::ffff:a00:1', '::ffff:10.0.0.1', '64:ff9b::808:808',
    ]) assert.equal(isPrivateAddress(address), true, address);
    for (const address of ['2002:0808:0808::1', '::ffff:8.8.8.8', '93.184.216.34', '2606:4700:4700::1111']) assert.equal(isPrivateAddress(address), false, address);
    for (const entry of Object.values(networkInterfaces()).flat()) assert.equal(isPrivateAddress(entry!.address), true, entry!.address);
  });
});
