import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTraceparent, newRunTraceContext, parseTraceparent } from '../src/core/trace-context.js';
import { HELLO_WORKFLOW, startTestServer, testBackends } from './support/test-server.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('traceparent parsing (W3C Trace Context)', () => {
  it('reads a valid header and its sampled flag', () => {
    assert.deepEqual(parseTraceparent(`00-${TRACE}-${SPAN}-01`), { traceId: TRACE, spanId: SPAN, sampled: true });
    assert.deepEqual(parseTraceparent(`00-${TRACE.toUpperCase()}-${SPAN}-00`), { traceId: TRACE, spanId: SPAN, sampled: false });
    assert.equal(formatTraceparent(TRACE, SPAN, true), `00-${TRACE}-${SPAN}-01`);
  });

  it('ignores what the rules say to ignore', () => {
    for (const bad of [undefined, '', 'garbage', `ff-${TRACE}-${SPAN}-01`, `00-${'0'.repeat(32)}-${SPAN}-01`, `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE}-${SPAN}-01-extra`, `00-${TRACE.slice(1)}-${SPAN}-01`, `00-${TRACE}-${SPAN.replace('0', 'g')}-01`]) {
      assert.equal(parseTraceparent(bad), null, String(bad));
    }
    // A later version may carry more fields; its first four are read.
    assert.deepEqual(parseTraceparent(`01-${TRACE}-${SPAN}-01-more`), { traceId: TRACE, spanId: SPAN, sampled: true });
  });

  it('makes a run span id under the caller, or a trace of its own', () => {
    const joined = newRunTraceContext({ traceId: TRACE, spanId: SPAN, sampled: false });
    assert.equal(joined.traceId, TRACE);
    assert.equal(joined.parentSpanId, SPAN);
    assert.equal(joined.sampled, false);
    assert.match(joined.spanId, /^[0-9a-f]{16}$/);
    const own = newRunTraceContext(null);
    assert.match(own.traceId, /^[0-9a-f]{32}$/);
    assert.equal(own.parentSpanId, null);
    assert.equal(own.sampled, true);
  });
});

for (const backend of testBackends()) {
  describe(`the trace context is stored with the run (${backend})`, () => {
    it('single create, batch and a malformed header (ignored, not refused)', async () => {
      const t = await startTestServer({ backend, concurrency: 0 });
      try {
        await t.publish(HELLO_WORKFLOW);
        const traceparent = `00-${TRACE}-${SPAN}-01`;
        const single = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'a' } }, headers: { traceparent } });
        assert.equal(single.status, 202);
        const batch = await t.api('POST', '/workflows/hello/runs/batch', { body: { runs: [{ inputs: { name: 'b' } }, { inputs: { name: 'c' } }] }, headers: { traceparent } });
        assert.equal(batch.status, 200);
        const malformed = await t.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'd' } }, headers: { traceparent: 'not-a-traceparent' } });
        assert.equal(malformed.status, 202);

        const ids = [single.body.run_id as string, ...(batch.body.data as { run_id: string }[]).map((item) => item.run_id)];
        const spanIds = new Set<string>();
        for (const id of ids) {
          const trace = (await t.server.store.getRun(t.workspaceId, id))?.trace;
          assert.ok(trace, `run ${id} has a trace context`);
          assert.equal(trace.traceId, TRACE);
          assert.equal(trace.parentSpanId, SPAN);
          assert.equal(trace.sampled, true);
          spanIds.add(trace.spanId);
        }
        assert.equal(spanIds.size, 3, 'every run has a span id of its own');
        const own = (await t.server.store.getRun(t.workspaceId, malformed.body.run_id as string))?.trace;
        assert.ok(own);
        assert.notEqual(own.traceId, TRACE);
        assert.equal(own.parentSpanId, null);
      } finally {
        await t.close();
      }
    });
  });
}
