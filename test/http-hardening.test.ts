import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../src/core/errors.js';
import { assertError } from './support/assert-error.js';
import { HELLO_WORKFLOW, startTestServer, testBackends, type TestResponse, type TestServer } from './support/test-server.js';

/** Issue 19 items 8 and 9: every bad input gets the documented answer; Slate clients' habits are accepted. */

const P = '/workflow-service/api/public/v1';

/** Sends raw bytes and reads the whole answer (the server closes the connection after a client error). */
function rawRequest(url: string, bytes: string): Promise<{ status: number; headers: Map<string, string>; body: any }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: body ? JSON.parse(body) : null });
    });
  });
}

function assertRawError(response: Awaited<ReturnType<typeof rawRequest>>, status: number, code: string) {
  assertError({ status: response.status, body: response.body, headers: { get: (name: string) => response.headers.get(name) ?? null } as Headers }, status, code);
}

const TYPED_WORKFLOW = `
id: typed
name: Typed
inputs:
  - { variableName: count, type: integer }
  - { variableName: day, type: date }
steps:
  - id: echo
    type: transform
    with: { value: "{{ inputs }}" }
`;

const LENIENT_WORKFLOW = `
id: lenient
name: Lenient
additionalInputs: ignore
inputs:
  - { variableName: name, type: text, required: true }
steps:
  - id: echo
    type: transform
    with: { value: "{{ inputs.name }}" }
`;

for (const backend of testBackends()) describe(`bad input answers 4xx with the documented body (issue 19 item 8) [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 0 });
    await t.publish(HELLO_WORKFLOW);
    await t.publish(TYPED_WORKFLOW);
  });
  after(() => t.close());

  const createRun = (rawBody: string, workflow = 'hello') =>
    t.api('POST', `/workflows/${workflow}/runs`, { rawBody, headers: { 'content-type': 'application/json' } });

  it('refuses deeply nested JSON with 400, not 500', async () => {
    for (const depth of [101, 5_000, 200_000]) {
      const response = await createRun(`{"inputs":{"name":"x"},"metadata":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`);
      assertError(response, 400, 'invalid_request');
      assert.match(response.body.message, /nested deeper than 100/);
    }
    // Brackets inside strings are text, not nesting.
    assert.equal((await createRun(JSON.stringify({ inputs: { name: '['.repeat(5_000) } }))).status, 202);
  });

  it('refuses a page that JSON numbers cannot hold, and answers a huge valid page with empty data', async () => {
    for (const page of ['99999999999999999999', '9007199254740993', '1e300', '1e3', '0x10', '-1', '0']) {
      assertError(await t.api('GET', `/workflows?page=${page}`), 400, 'invalid_request');
      assertError(await t.api('GET', `/workflow-runs?page=${page}`), 400, 'invalid_request');
    }
    for (const path of ['/workflows', '/workflow-runs']) {
      const response = await t.api('GET', `${path}?page=${Number.MAX_SAFE_INTEGER}&limit=100`);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual(response.body.data, []);
      assert.equal(response.body.pagination.page, Number.MAX_SAFE_INTEGER);
    }
  });

  it('answers bad percent-encoding with the documented body', async () => {
    for (const path of ['/workflows/%E0%A4%A', '/workflow-runs/%zz', '/workflows/%']) {
      assertError(await t.api('GET', path), 400, 'invalid_request');
    }
  });

  it('answers 404 for an id of any length, or with any characters, that names nothing', async () => {
    for (const id of ['a'.repeat(65), 'a'.repeat(500), 'b'.repeat(10_000), '__proto__', 'constructor', '%00', 'x%20y', '%F0%9F%98%80']) {
      assertError(await t.api('GET', `/workflows/${id}`), 404, 'not_found');
      assertError(await t.api('GET', `/workflow-runs/${id}`), 404, 'not_found');
      assertError(await t.api('POST', `/workflow-runs/${id}/cancel`), 404, 'not_found');
      assertError(await t.api('POST', `/workflows/${id}/runs`, { body: { inputs: {} } }), 404, 'not_found');
      assertError(await t.api('POST', `/tokens/${id}/revoke`), 404, 'not_found');
    }
    assert.deepEqual((await t.api('GET', `/workflow-runs?workflow_id=${'c'.repeat(300)}`)).body.data, []);
  });

  it('refuses NUL characters, which PostgreSQL text cannot hold, with 400 (404 in a path)', async () => {
    assertError(await t.api('GET', '/workflows?search=a%00b'), 400, 'invalid_request');
    assertError(await t.api('GET', '/workflow-runs?workflow_id=%00'), 400, 'invalid_request');
    assertError(await t.api('POST', '/tokens', { body: { name: 'a\u0000b', expires: '7d' } }), 400, 'invalid_request');
    assertError(await createRun(JSON.stringify({ inputs: { name: 'a\u0000' } })), 400, 'invalid_request');
    assertError(await createRun(JSON.stringify({ inputs: { name: 'a' }, metadata: { 'k\u0000': 1 } })), 400, 'invalid_request');
  });

  it('answers an over-long URL and malformed headers with the documented body and X-Request-Id', async () => {
    const long = await fetch(`${t.url}${P}/workflows/${'a'.repeat(20_000)}`, { headers: { authorization: `Bearer ${t.token}` } });
    const longBody = await long.json();
    assertError({ status: long.status, headers: long.headers, body: longBody }, 431, 'request_header_too_large');
    const badHeader = await rawRequest(t.url, `GET ${P}/workflows HTTP/1.1\r\nHost: x\r\nBad Header: yes\r\n\r\n`);
    assertRawError(badHeader, 400, 'invalid_request');
    const badValue = await rawRequest(t.url, `GET ${P}/workflows HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n`);
    assertRawError(badValue, 400, 'invalid_request');
    const badLength = await rawRequest(t.url, `POST ${P}/workflows/hello/runs HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n`);
    assertRawError(badLength, 400, 'invalid_request');
  });

  it('refuses prototype keys in a body with a message that says so', async () => {
    const proto = await createRun('{"inputs":{"name":"x","__proto__":{"polluted":true}}}');
    assertError(proto, 400, 'invalid_request');
    assert.match(proto.body.message, /__proto__/);
    assertError(await createRun('{"inputs":{"name":"x"},"metadata":{"constructor":{"prototype":{"a":1}}}}'), 400, 'invalid_request');
    const constructor = await createRun('{"inputs":{"name":"x","constructor":1}}');
    assertError(constructor, 400, 'invalid_inputs');
    assert.deepEqual(constructor.body.details, [{ path: 'inputs.constructor', message: 'is not an input of this workflow' }]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('refuses step ids and input names that are Object.prototype properties, naming the place', async () => {
    for (const [yaml, place] of [
      ['steps:\n  - { id: __proto__, type: transform, with: { value: 1 } }', 'steps[0].id'],
      ['steps:\n  - { id: constructor, type: transform, with: { value: 1 } }', 'steps[0].id'],
      ['inputs:\n  - { variableName: constructor, type: text }\nsteps:\n  - { id: a, type: transform, with: { value: 1 } }', 'inputs[0].variableName'],
      ['inputs:\n  - { variableName: __proto__, type: text }\nsteps:\n  - { id: a, type: transform, with: { value: 1 } }', 'inputs[0].variableName'],
      ['steps:\n  - id: m\n    type: map\n    with:\n      items: [1]\n      steps:\n        - { id: toString, type: transform, with: { value: 1 } }', 'steps[0].with.steps[0].id'],
    ] as const) {
      await assert.rejects(t.services.workflows.applyWorkflow({ workspaceId: t.workspaceId, text: `name: Reserved\n${yaml}`, publish: true }), (error: unknown) => {
        assert.ok(error instanceof AppError && error.code === 'invalid_definition', String(error));
        assert.ok(error.details?.some((d) => d.path === place && /cannot be/.test(d.message)), JSON.stringify(error.details));
        return true;
      });
    }
  });

  it('does not coerce silently: rounded integers, impossible dates, numbers for names', async () => {
    const inputs = (value: object) => createRun(JSON.stringify({ inputs: value }), 'typed');
    for (const count of ['12345678901234567890', '9007199254740993']) {
      const response = await createRun(`{"inputs":{"count":${count}}}`, 'typed');
      assertError(response, 400, 'invalid_inputs');
      assert.equal(response.body.details[0].path, 'inputs.count');
    }
    assert.equal((await inputs({ count: Number.MAX_SAFE_INTEGER })).status, 202);
    for (const day of ['2026-02-30', '2026-02-29', '2026-13-01', '2026-04-31', '2026-01-27T24:00:00Z', '2026-01-27T12:60Z']) {
      assertError(await inputs({ day }), 400, 'invalid_inputs');
    }
    for (const day of ['2024-02-29', '2026-01-27', '2026-12-31T23:59:59.999Z', '2026-01-27T10:00+02:00']) {
      assert.equal((await inputs({ day })).status, 202, day);
    }
    for (const body of [{ name: 12345, expires: '7d' }, { name: true, expires: '7d' }, { name: ['n'], expires: '7d' }, { name: 'n', expires: 7 }]) {
      assertError(await t.api('POST', '/tokens', { body }), 400, 'invalid_request');
    }
    assertError(await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'x' }, metadata: ['a'] } }), 400, 'invalid_request');
  });
});

for (const backend of testBackends()) describe(`Slate clients' habits are accepted (issue 19 item 9, SPEC §1–§3) [${backend}]`, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 0 });
    await t.publish(HELLO_WORKFLOW);
    await t.publish(LENIENT_WORKFLOW);
  });
  after(() => t.close());

  const queue = async () => (await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'x' } } })).body.run_id as string;

  it('takes the Bearer scheme in any case', async () => {
    for (const scheme of ['bearer', 'BEARER', 'bEaReR', 'Bearer  ']) {
      assert.equal((await t.api('GET', '/workflows', { token: null, headers: { authorization: `${scheme} ${t.token}` } })).status, 200, scheme);
    }
    assertError(await t.api('GET', '/workflows', { token: null, headers: { authorization: `Basic ${t.token}` } }), 401, 'unauthorized');
    assertError(await t.api('GET', '/workflows', { token: null, headers: { authorization: `Bearer${t.token}` } }), 401, 'unauthorized');
  });

  it('ignores unknown and empty query parameters on GET /workflows, and still refuses bad values', async () => {
    const all = await t.api('GET', '/workflows');
    for (const query of ['q=Hel&foo=1&sort=name', 'status=&search=&page=&limit=', 'query=x&page=1&_=123']) {
      const response = await t.api('GET', `/workflows?${query}`);
      assert.equal(response.status, 200, `${query}: ${JSON.stringify(response.body)}`);
      assert.deepEqual(response.body.data.map((w: any) => w._id), all.body.data.map((w: any) => w._id));
    }
    assert.deepEqual((await t.api('GET', '/workflows?search=lenient&foo=')).body.data.map((w: any) => w._id), ['lenient']);
    assertError(await t.api('GET', '/workflows?status=archived'), 400, 'invalid_request');
    assertError(await t.api('GET', '/workflows?limit=101'), 400, 'invalid_request');
  });

  it('treats an empty X-Workspace-Id or X-Organization-Id as absent', async () => {
    assert.equal((await t.api('GET', '/workflows', { headers: { 'x-workspace-id': '' } })).status, 200);
    assert.equal((await t.api('GET', '/workflows', { headers: { 'x-organization-id': '  ' } })).status, 200);
    assertError(await t.api('GET', '/workflows', { headers: { 'x-workspace-id': String(t.workspaceId + 1000) } }), 403, 'forbidden');
  });

  it('accepts bodyless POSTs whatever their Content-Type, and still refuses a body that is not JSON', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/json']) {
      const runId = await queue();
      const response = await t.api('POST', `/workflow-runs/${runId}/cancel`, { headers: { 'content-type': type } });
      assert.equal(response.status, 200, `${type}: ${JSON.stringify(response.body)}`);
    }
    assertError(await t.api('POST', '/workflows/hello/runs', { rawBody: 'inputs=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type');
  });

  it('answers a wrong method on a known path with 405 and Allow', async () => {
    const cases: [string, string, string][] = [
      ['DELETE', '/workflows/hello', 'GET, HEAD, PUT'],
      ['POST', '/workflows', 'GET, HEAD'],
      ['PUT', '/workflows/hello/runs', 'POST'],
      ['GET', '/workflow-runs/x/cancel', 'POST'],
      ['PATCH', '/workflow-runs/x/', 'GET, HEAD'],
      ['POST', '//healthz', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const response: TestResponse = await t.api(method, path);
      assertError(response, 405, 'method_not_allowed');
      assert.equal(response.headers.get('allow'), allow, `${method} ${path}`);
    }
    assertError(await t.api('DELETE', '/nothing-here'), 404, 'not_found');
    assertError(await t.api('GET', '/workflow-runs/x/y/z'), 404, 'not_found');
  });

  it('drops unknown input keys for a workflow with additionalInputs: ignore, and refuses them by default', async () => {
    const lenient = await t.api('POST', '/workflows/lenient/runs', { body: { inputs: { name: 'Ada', utm_source: 'slate', extra: { a: 1 } } } });
    assert.equal(lenient.status, 202, JSON.stringify(lenient.body));
    const run = await t.api('GET', `/workflow-runs/${lenient.body.run_id}?include=details`);
    assert.deepEqual(run.body.inputs, { name: 'Ada' });
    assertError(await t.api('POST', '/workflows/lenient/runs', { body: { inputs: { extra: 1 } } }), 400, 'invalid_inputs');
    const strict = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'Ada', utm_source: 'slate' } } });
    assertError(strict, 400, 'invalid_inputs');
    assert.deepEqual(strict.body.details, [{ path: 'inputs.utm_source', message: 'is not an input of this workflow' }]);
    await assert.rejects(
      t.services.workflows.applyWorkflow({ workspaceId: t.workspaceId, text: LENIENT_WORKFLOW.replace('ignore', 'allow'), publish: true }),
      (error: unknown) => error instanceof AppError && error.code === 'invalid_definition',
    );
  });
});
