import assert from 'node:assert/strict';
import { lookup as dnsLookup } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BlockedAddressError } from '../src/steps/address-guard.js';
import { guardedFetch } from '../src/steps/guarded-fetch.js';

/** The LLM step's HTTP client for a step's own baseUrl: the guard at connect time, a streaming web Response. */
describe('guardedFetch', () => {
  let server: Server;
  let port = 0;
  const seen: { method?: string; body: string; auth?: string }[] = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({ method: req.method, body, auth: req.headers.authorization });
        if (req.url === '/empty') return void res.writeHead(204).end();
        res.writeHead(201, { 'content-type': 'text/event-stream', 'x-multi': ['a', 'b'] });
        res.write('data: one\n\n');
        setTimeout(() => res.end('data: two\n\n'), 50);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const init = () => ({ method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: '{"a":1}', signal: AbortSignal.timeout(10_000) });
  // The system's lookup, to reach the loopback peer (the guard's own lookup refuses it, as tested below).
  const plainLookup = ((hostname: string, options: object, callback: never) => dnsLookup(hostname, options as never, callback)) as never;

  it('refuses a host name that resolves to a private address when it connects', async () => {
    await assert.rejects(guardedFetch(`http://localhost:${port}/chat`, init()), (error: unknown) => error instanceof BlockedAddressError);
    await assert.rejects(guardedFetch(`http://127.0.0.1:${port}/chat`, init()), (error: unknown) => error instanceof BlockedAddressError);
    assert.equal(seen.length, 0, 'no request reached the private peer');
  });

  it('sends the body and headers and hands back a streaming Response with status and headers', async () => {
    const response = await guardedFetch(`http://localhost:${port}/chat`, init(), plainLookup);
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    assert.equal(response.headers.get('x-multi'), 'a, b');
    assert.equal(await response.text(), 'data: one\n\ndata: two\n\n');
    assert.deepEqual(seen.at(-1), { method: 'POST', body: '{"a":1}', auth: 'Bearer k' });
  });

  it('answers a 204 without a body', async () => {
    const response = await guardedFetch(`http://localhost:${port}/empty`, init(), plainLookup);
    assert.equal(response.status, 204);
    assert.equal(await response.text(), '');
  });
});
