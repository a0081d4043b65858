import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { API_PREFIX } from '../src/api/schemas.js';
import { ERROR_CATALOGUE } from '../src/core/errors.js';
import { HELLO_WORKFLOW, startTestServer, testBackends, type TestServer } from './support/test-server.js';

/**
 * Issue 19 item 11: property-based fuzzing of the real HTTP API. Random methods, paths (known
 * routes with odd ids, bad percent-encoding, traversal, prototype names), query strings,
 * headers and bodies (random JSON, deep nesting, junk, prototype keys). Whatever arrives, the
 * answer is never a 5xx, an error always has the documented body `{error, message, request_id}`
 * with a catalogue code and `request_id` = `X-Request-Id`, every answer has `X-Request-Id`, and
 * the server keeps answering. Bounded in time (`FUZZ_TIME_MS` per backend, 4 s by default) so
 * it fits in `npm test`; a failure prints the seed and the shrunk request to replay.
 */

const FUZZ_TIME_MS = Number(process.env.FUZZ_TIME_MS ?? 4_000);

const TYPED_WORKFLOW = `
id: typed
name: Typed
additionalInputs: ignore
inputs:
  - { variableName: count, type: integer }
  - { variableName: day, type: date }
  - { variableName: pick, type: select, options: [a, b] }
  - { variableName: data, type: json }
steps:
  - id: echo
    type: transform
    with: { value: "{{ inputs }}" }
`;

interface FuzzRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const odd = fc.oneof(
  fc.constantFrom('hello', 'typed', '__proto__', 'constructor', 'prototype', 'toString', '..', '.', '%00', '%zz', '%E0%A4%A', '%', '%2F', '%ff%fe', ''),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 10 }).map(encodeURIComponent),
  fc.integer({ min: 1, max: 3000 }).map((n) => 'a'.repeat(n)),
  fc.uuid(),
);

const paths = fc.oneof(
  fc.tuple(fc.constantFrom('/workflows/', '/workflow-runs/', '/tokens/', '/schedules/', '/webhooks/'), odd).map(([base, id]) => base + id),
  fc.tuple(odd, fc.constantFrom('/runs', '/versions', '/definition', '/cancel', '/steps', '/revoke', '/steps/x', '/test', '/fires')).map(
    ([id, tail]) => `/workflows/${id}${tail}`,
  ),
  fc.tuple(odd, fc.constantFrom('/cancel', '/steps', '/steps/echo', '/logs', '')).map(([id, tail]) => `/workflow-runs/${id}${tail}`),
  fc.constantFrom('/workflows', '/workflow-runs', '/tokens', '/schedules', '/webhooks', '/workflows/validate', '/openapi.json', '/nope', ''),
);

const queryValue = fc.oneof(
  fc.constantFrom('', '1', '0', '-1', '15', '100', '101', '1e3', '0x10', '9007199254740993', '99999999999999999999', 'draft', 'published', 'true', 'false', 'details', 'QUEUED', '%00', '%zz'),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const query = fc
  .array(fc.tuple(fc.constantFrom('page', 'limit', 'status', 'search', 'include', 'workflow_id', 'dry_run', 'publish', 'q', '__proto__', 'x'), queryValue), { maxLength: 4 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));

/** Header values fetch accepts: visible ASCII and spaces. */
const headerText = fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '').trim());

const json = fc.jsonValue({ maxDepth: 4 });
const body = fc.oneof(
  { weight: 3, arbitrary: fc.record({ inputs: fc.oneof(fc.dictionary(fc.constantFrom('name', 'count', 'day', 'pick', 'data', 'extra', 'constructor'), json), json), metadata: fc.option(json, { nil: undefined }) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: json.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.record({ name: json, expires: fc.oneof(fc.constantFrom('7d', '30d', 'never'), json) }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.integer({ min: 90, max: 3000 }).map((n) => `{"inputs":{"name":"x"},"metadata":${'['.repeat(n)}${']'.repeat(n)}}`) },
  { weight: 1, arbitrary: fc.constantFrom('{"inputs":{"__proto__":{"a":1}}}', '{"inputs":{"name":"a\\u0000b"}}', '{"inputs":', 'null', '"x"', '[]', 'not json', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

function requests(token: string) {
  return fc.record<FuzzRequest>({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
    path: paths,
    query,
    headers: fc
      .record(
        {
          authorization: fc.oneof(
            { weight: 6, arbitrary: fc.constantFrom(`Bearer ${token}`, `bearer ${token}`, `BEARER  ${token}`) },
            { weight: 1, arbitrary: fc.constantFrom('', 'Bearer', 'Bearer slat_', `Basic ${token}`, 'Bearer slat_x') },
            { weight: 1, arbitrary: headerText.map((t) => `Bearer ${t}`) },
          ),
          'content-type': fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/yaml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream'),
          'x-workspace-id': fc.oneof(fc.constantFrom('', ' ', '1', '999', '-1', 'abc'), headerText),
          'x-organization-id': fc.oneof(fc.constantFrom('', '1', '0'), headerText),
          'idempotency-key': fc.oneof(fc.constantFrom('', ' ', 'k1', 'k'.repeat(300)), headerText),
          'x-request-id': fc.oneof(fc.constantFrom('mine-1', '', 'a b', 'x'.repeat(200)), headerText),
        },
        { requiredKeys: ['authorization'] },
      )
      .map((headers) => Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>),
    body: fc.option(body, { nil: undefined }),
  });
}

async function send(baseUrl: string, request: FuzzRequest): Promise<{ status: number; headers: Headers; text: string }> {
  const hasBody = request.body !== undefined && !['GET', 'HEAD'].includes(request.method);
  const response = await fetch(`${baseUrl}${API_PREFIX}${request.path}${request.query}`, {
    method: request.method,
    headers: request.headers,
    body: hasBody ? request.body : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

for (const backend of testBackends()) describe(`HTTP fuzzing (issue 19 item 11) [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 1 });
    await t.publish(HELLO_WORKFLOW);
    await t.publish(TYPED_WORKFLOW);
  });
  after(() => t.close());

  it('never answers 5xx, always the documented error body and X-Request-Id, and stays responsive', async () => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(requests(t.token), async (request) => {
        sent++;
        const response = await send(t.url, request);
        const requestId = response.headers.get('x-request-id');
        assert.ok(requestId, `X-Request-Id on ${response.status}`);
        assert.ok(response.status < 500, `${response.status}: ${response.text.slice(0, 300)}`);
        if (response.status >= 400 && request.method !== 'HEAD') {
          const body = JSON.parse(response.text);
          assert.equal(typeof body.error, 'string');
          assert.ok(Object.hasOwn(ERROR_CATALOGUE, body.error), `catalogue code: ${body.error}`);
          assert.equal(ERROR_CATALOGUE[body.error as keyof typeof ERROR_CATALOGUE], response.status, body.error);
          assert.equal(typeof body.message, 'string');
          assert.ok(body.message.length > 0);
          assert.equal(body.request_id, requestId);
          if (response.status === 405) assert.ok(response.headers.get('allow'));
        }
      }),
      { numRuns: 100_000, interruptAfterTimeLimit: FUZZ_TIME_MS, markInterruptAsFailure: false },
    );
    assert.ok(sent >= 20, `sent ${sent} requests`);
    if (process.env.FUZZ_REPORT) console.log(`fuzz: ${sent} requests`);
    // Still responsive: liveness, and a normal request does what it should.
    const health = await fetch(`${t.url}/healthz`);
    assert.equal(health.status, 200);
    const created = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'after the fuzz' } } });
    assert.equal(created.status, 202);
    assert.equal((await t.waitForStatus(created.body.run_id, ['COMPLETED'], undefined, 30_000)).output, 'Hello, after the fuzz');
  });
});
