import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { API_PREFIX } from '../src/api/schemas.js';
import { readSse } from './support/sse.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** SPEC §9: a reader that does not read is cut off at its buffer's cap, and resumes without a gap. */

const MANY = `
id: many
name: Many events
steps:
  - id: each
    type: map
    with:
      items: "{{ [1..150] }}"
      steps:
        - { id: big, type: transform, with: { value: "{{ $pad('', 20000, 'x') }}" } }
`;

describe('run events: a slow reader', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ concurrency: 2 });
    await t.publish(MANY);
  });
  after(() => t.close());

  it('closes a stream whose unread buffer passes the cap; the reader resumes with Last-Event-ID and misses nothing', async () => {
    const created = await t.api('POST', '/workflows/many/runs', { body: { inputs: {} } });
    const done = await t.waitForStatus(created.body.run_id, ['COMPLETED', 'FAILED'], undefined, 60_000);
    assert.equal(done.status, 'COMPLETED');
    const path = `${API_PREFIX}/workflow-runs/${created.body.run_id}/events`;
    const full = await readSse(`${t.url}${path}`, { headers: { authorization: `Bearer ${t.token}` }, timeoutMs: 60_000 });
    assert.ok(full.events.length > 300, `${full.events.length} events`);

    const { limits } = t.services.runEvents;
    limits.maxBufferedBytes = 64 * 1024;
    limits.slowReaderMs = 300;
    const { port } = new URL(t.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.pause(); // a reader that does not read
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.token}\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.resume();
    await new Promise((resolve) => socket.once('close', resolve));
    const text = Buffer.concat(chunks).toString('utf8');
    // Whole events only (a block ended by a blank line), as an SSE parser dispatches them.
    const ids = [...text.matchAll(/^id: (\d+)\nevent: [^\n]+\ndata: [^\n]*\n\n/gm)].map((m) => Number(m[1]));
    assert.ok(ids.length > 0 && ids.length < full.events.length, `cut off after ${ids.length} of ${full.events.length} events`);
    assert.ok(!text.includes('"status":"COMPLETED"'), 'the terminal event was not reached');

    limits.maxBufferedBytes = 1024 * 1024;
    limits.slowReaderMs = 10_000;
    const rest = await readSse(`${t.url}${path}`, { headers: { authorization: `Bearer ${t.token}`, 'last-event-id': String(ids.at(-1)) }, timeoutMs: 60_000 });
    assert.deepEqual([...ids, ...rest.events.map((e) => Number(e.id))], full.events.map((e) => Number(e.id)));
  });
});
