import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSlipwayClient } from '../src/client/slipway-client.js';
import { runCli } from './support/cli.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** The TS client's and the CLI's side of SPEC §9, against a real server (the store side runs on both backends in run-events*.test.ts). */

const STEPS = `
id: steps
name: Steps
steps:
  - id: first
    type: transform
    with: { value: 1 }
  - id: pause
    type: delay
    with: { duration: 200ms }
  - id: last
    type: transform
    with: { value: "{{ steps.first.output + 1 }}" }
output: "{{ steps.last.output }}"
`;

const FAILING = `
id: failing
name: Failing
steps:
  - id: boom
    type: fail
    with: { message: "no luck" }
`;

/** A fetch whose first event stream is cut after `cutAfterBytes`, as a dropped connection would. */
function cuttingFetch(cutAfterBytes: number): { fetch: typeof fetch; streams: () => number } {
  let streams = 0;
  const wrapped: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (!String(input).endsWith('/events') || streams++ > 0) return response;
    let seen = 0;
    const reader = response.body!.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        seen += value.byteLength;
        controller.enqueue(value);
        if (seen >= cutAfterBytes) {
          await reader.cancel();
          controller.error(new TypeError('terminated'));
        }
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return { fetch: wrapped, streams: () => streams };
}

describe('TS client and CLI: watching runs (SPEC §9)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ concurrency: 2 });
    await t.publish(STEPS);
    await t.publish(FAILING);
  });
  after(() => t.close());

  it('streamRunEvents resumes a dropped stream with Last-Event-ID: every event once, in order, then it ends', async () => {
    const cut = cuttingFetch(400);
    const client = createSlipwayClient({ baseUrl: t.url, token: t.token, fetch: cut.fetch });
    const { run_id } = await client.createRun('steps', { inputs: {} });
    const seen = [];
    for await (const event of client.streamRunEvents(run_id, { reconnectDelayMs: 20 })) seen.push(event);
    assert.ok(cut.streams() >= 2, 'the stream was resumed after the cut');
    const ids = seen.map((e) => e.id);
    assert.deepEqual(ids, [...new Set(ids)], 'no duplicates');
    const plain = createSlipwayClient({ baseUrl: t.url, token: t.token });
    const replay = [];
    for await (const event of plain.streamRunEvents(run_id)) replay.push(event);
    assert.deepEqual(seen, replay, 'the same events as an uncut stream');
    assert.equal(seen.at(-1)!.type, 'run.status');
    assert.equal(seen.at(-1)!.data.status, 'COMPLETED');
    const resumed = [];
    for await (const event of plain.streamRunEvents(run_id, { lastEventId: replay[3]!.id })) resumed.push(event);
    assert.deepEqual(resumed, replay.slice(4));
    await assert.rejects(async () => {
      for await (const _ of plain.streamRunEvents('no-such-run')) void _;
    }, /404 not_found/);
  });

  it('createRunAndWait answers the finished run; waitForRun long-polls to the end', async () => {
    const client = createSlipwayClient({ baseUrl: t.url, token: t.token });
    const run = await client.createRunAndWait('steps', { inputs: {} }, { waitSeconds: 30 });
    assert.equal(run.status, 'COMPLETED');
    assert.equal(run.output, 2);
    assert.ok('inputs' in run);
    const fallback = await client.createRunAndWait('steps', { inputs: {} }, { waitSeconds: 1 });
    assert.equal(fallback.status, 'COMPLETED');
    const { run_id } = await client.createRun('failing', { inputs: {} });
    const failed = await client.waitForRun(run_id, { timeoutMs: 30_000 });
    assert.equal(failed.status, 'FAILED');
  });

  it('retries a 429 after its Retry-After only when asked to', async () => {
    let calls = 0;
    const limited: typeof fetch = async (input, init) => {
      calls += 1;
      if (calls === 1) {
        return new Response(JSON.stringify({ error: 'concurrent_run_limit_exceeded', message: 'busy', request_id: 'x' }), {
          status: 429, headers: { 'content-type': 'application/json', 'retry-after': '0' },
        });
      }
      return fetch(input, init);
    };
    const retrying = createSlipwayClient({ baseUrl: t.url, token: t.token, fetch: limited, retryRateLimited: true });
    const created = await retrying.createRun('steps', { inputs: {} });
    assert.equal(created.status, 'QUEUED');
    assert.equal(calls, 2);
    calls = 0;
    const plain = createSlipwayClient({ baseUrl: t.url, token: t.token, fetch: limited });
    await assert.rejects(plain.createRun('steps', { inputs: {} }), /429 concurrent_run_limit_exceeded/);
    assert.equal(calls, 1);
  });

  it('slipway run --wait prints a progress line per step on stderr, the run on stdout, and exits by status; run watch follows a run', async () => {
    const env = { SLIPWAY_URL: t.url, SLIPWAY_TOKEN: t.token };
    const ok = await runCli(['run', 'steps', '--wait'], env);
    assert.equal(ok.code, 0, ok.stderr);
    const run = JSON.parse(ok.stdout);
    assert.equal(run.status, 'COMPLETED');
    for (const line of [/first started/, /first completed/, /pause waiting \(delay\)/, /last completed/, /run COMPLETED/]) assert.match(ok.stderr, line);
    const failed = await runCli(['run', 'failing', '--wait'], env);
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /boom failed: no luck/);
    assert.match(failed.stderr, /run FAILED: WORKFLOW_FAILED/);
    const watched = await runCli(['run', 'watch', run.run_id], env);
    assert.equal(watched.code, 0, watched.stderr);
    assert.equal(JSON.parse(watched.stdout).run_id, run.run_id);
    assert.match(watched.stderr, /run COMPLETED/);
    const unknown = await runCli(['run', 'watch', 'nope'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /404 not_found/);
  });
});
