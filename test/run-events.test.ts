import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API_PREFIX } from '../src/api/schemas.js';
import { readSse, type SseEvent } from './support/sse.js';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

/** SPEC §9 over real HTTP on both backends: the event log, its SSE stream, long-poll and run-and-wait. */

const THREE_STEPS = `
id: three-steps
name: Three steps with a delay
steps:
  - id: first
    type: transform
    with: { value: 1 }
  - id: pause
    type: delay
    with: { duration: 300ms }
  - id: last
    type: transform
    with: { value: "{{ steps.first.output + 1 }}" }
output: "{{ steps.last.output }}"
`;

const SLOW = `
id: slow
name: Slow
steps:
  - id: wait
    type: delay
    with: { duration: 30s }
`;

const RUN_KEYS = ['run_id', 'workflow_id', 'status', 'workspace_id', 'workflow_execution_id', 'output', 'error', 'created_at', 'updated_at', 'completed_at', 'metadata'];

/** Drops a repeated step.waiting of the same attempt (a wait looked at again before it was due). */
const summary = (events: SseEvent[]) =>
  events
    .map((e) => `${e.event}${e.data.step_id ? ` ${e.data.step_id}` : ''}${e.event === 'run.status' ? ` ${e.data.status}` : ''}`)
    .filter((line, i, all) => !(line.startsWith('step.waiting') && all[i - 1] === line));

for (const backend of testBackends()) {
  describe(`run events [${backend}]`, () => {
    let t: TestServer;
    const auth = () => ({ authorization: `Bearer ${t.token}` });
    const eventsUrl = (runId: string, query = '') => `${t.url}${API_PREFIX}/workflow-runs/${runId}/events${query}`;

    before(async () => {
      t = await startTestServer({ backend, concurrency: 2 });
      await t.publish(THREE_STEPS);
      await t.publish(SLOW);
    });
    after(() => t.close());

    async function finishedRun(): Promise<{ runId: string; events: SseEvent[] }> {
      const created = await t.api('POST', '/workflows/three-steps/runs', { body: { inputs: {} } });
      assert.equal(created.status, 202);
      const live = await readSse(eventsUrl(created.body.run_id), { headers: auth() });
      return { runId: created.body.run_id, events: live.events };
    }

    it('streams the events of a 3-step run with a delay in order, with strictly increasing ids, and closes after the end', async () => {
      const created = await t.api('POST', '/workflows/three-steps/runs', { body: { inputs: {} } });
      const live = await readSse(eventsUrl(created.body.run_id), { headers: auth() });
      assert.equal(live.status, 200);
      assert.match(live.headers.get('content-type') ?? '', /^text\/event-stream/);
      assert.ok(live.headers.get('x-request-id'));
      assert.equal(live.closedByServer, true, 'the stream closes after the terminal run.status');
      assert.deepEqual(summary(live.events), [
        'run.status QUEUED',
        'run.status STARTING',
        'run.status RUNNING',
        'step.started first',
        'step.completed first',
        'step.started pause',
        'step.waiting pause',
        'step.completed pause',
        'step.started last',
        'step.completed last',
        'run.status COMPLETED',
      ]);
      const ids = live.events.map((e) => Number(e.id));
      ids.forEach((id, i) => assert.ok(i === 0 ? id >= 1 : id > ids[i - 1]!, `ids strictly increasing: ${ids.join(',')}`));
      const waiting = live.events.find((e) => e.event === 'step.waiting')!;
      assert.equal(waiting.data.reason, 'delay');
      // `at` is when the checkpoint was written, which on a loaded machine may be after a 300 ms
      // wake-up; the wake-up is never before the step started.
      const pauseStarted = live.events.find((e) => e.event === 'step.started' && e.data.step_id === 'pause')!;
      assert.ok(Date.parse(waiting.data.until) >= Date.parse(pauseStarted.data.at), `until ${waiting.data.until} is after the start ${pauseStarted.data.at}`);
      const completed = live.events.find((e) => e.event === 'step.completed' && e.data.step_id === 'last')!;
      assert.deepEqual({ ...completed.data, at: undefined }, { step_id: 'last', attempt: 1, at: undefined, output: 2 });
      const end = live.events.at(-1)!;
      assert.deepEqual(Object.keys(end.data).sort(), ['at', 'error', 'status']);
    });

    it('replays a finished run in full, and resumes from the middle without duplicates (Last-Event-ID and after=)', async () => {
      const { runId, events } = await finishedRun();
      const replay = await readSse(eventsUrl(runId), { headers: auth() });
      assert.deepEqual(replay.events, events, 'a replay of a finished run is the same stream');
      assert.equal(replay.closedByServer, true);
      const middle = events[4]!.id!;
      const resumed = await readSse(eventsUrl(runId), { headers: { ...auth(), 'last-event-id': middle } });
      assert.deepEqual(resumed.events, events.slice(5));
      const byQuery = await readSse(eventsUrl(runId, `?after=${middle}`), { headers: auth() });
      assert.deepEqual(byQuery.events, events.slice(5));
      const atEnd = await readSse(eventsUrl(runId), { headers: { ...auth(), 'last-event-id': events.at(-1)!.id! } });
      assert.deepEqual(atEnd.events, [], 'resuming after the end closes at once');
      assert.equal(atEnd.closedByServer, true);
    });

    it('resumes a live stream cut in the middle without losing or repeating an event', async () => {
      const created = await t.api('POST', '/workflows/three-steps/runs', { body: { inputs: {} } });
      const runId = created.body.run_id;
      const first = await readSse(eventsUrl(runId), { headers: auth(), until: (e) => e.some((x) => x.event === 'step.waiting') });
      const rest = await readSse(eventsUrl(runId), { headers: { ...auth(), 'last-event-id': first.events.at(-1)!.id! } });
      const all = [...first.events, ...rest.events];
      assert.equal(new Set(all.map((e) => e.id)).size, all.length, 'no duplicates');
      assert.equal(all.at(-1)!.data.status, 'COMPLETED');
      const full = await readSse(eventsUrl(runId), { headers: auth() });
      assert.deepEqual(all, full.events);
    });

    it('answers 404 for an unknown or foreign run, 400 for a bad Last-Event-ID, and never takes a token in the query', async () => {
      const unknown = await readSse(eventsUrl('nope'), { headers: auth() });
      assert.equal(unknown.status, 404);
      assert.equal(JSON.parse(unknown.body).error, 'not_found');
      const { runId } = await finishedRun();
      const other = await t.newWorkspace();
      const foreign = await readSse(eventsUrl(runId), { headers: { authorization: `Bearer ${other.token}` } });
      assert.equal(foreign.status, 404);
      const bad = await readSse(eventsUrl(runId), { headers: { ...auth(), 'last-event-id': 'abc' } });
      assert.equal(bad.status, 400);
      assert.equal(JSON.parse(bad.body).error, 'invalid_request');
      for (const name of ['token', 'access_token', 'authorization']) {
        const inQuery = await readSse(eventsUrl(runId, `?${name}=${t.token}`));
        assert.equal(inQuery.status, 401, name);
      }
    });

    it('marks a canceled run with run.status CANCELED and ends the stream', async () => {
      const idle = await startTestServer({ backend, concurrency: 0 });
      try {
        await idle.publish(THREE_STEPS);
        const created = await idle.api('POST', '/workflows/three-steps/runs', { body: { inputs: {} } });
        const url = `${idle.url}${API_PREFIX}/workflow-runs/${created.body.run_id}/events`;
        const watching = readSse(url, { headers: { authorization: `Bearer ${idle.token}` } });
        await idle.api('POST', `/workflow-runs/${created.body.run_id}/cancel`);
        const result = await watching;
        assert.deepEqual(summary(result.events), ['run.status QUEUED', 'run.status CANCELED']);
        assert.equal(result.closedByServer, true);
      } finally {
        await idle.close();
      }
    });

    it('long-polls GET ?wait=N: answers at the end, or after N seconds with the current state; bad values are 400', async () => {
      const created = await t.api('POST', '/workflows/three-steps/runs', { body: { inputs: {} } });
      const ended = await t.api('GET', `/workflow-runs/${created.body.run_id}?wait=30`);
      assert.equal(ended.status, 200);
      assert.equal(ended.body.status, 'COMPLETED');
      assert.deepEqual(Object.keys(ended.body), RUN_KEYS, 'the plain Slate body');
      const slow = await t.api('POST', '/workflows/slow/runs', { body: { inputs: {} } });
      const started = Date.now();
      const still = await t.api('GET', `/workflow-runs/${slow.body.run_id}?wait=1&include=details`);
      assert.ok(Date.now() - started >= 950, 'waited the whole second');
      assert.equal(still.status, 200);
      assert.ok(['QUEUED', 'STARTING', 'RUNNING'].includes(still.body.status), still.body.status);
      assert.ok('inputs' in still.body, 'include=details still applies');
      for (const bad of ['0', '61', 'abc', '1.5']) {
        const refused = await t.api('GET', `/workflow-runs/${slow.body.run_id}?wait=${bad}`);
        assert.equal(refused.status, 400, bad);
        assert.equal(refused.body.error, 'invalid_request');
        assert.equal(refused.body.details[0].path, 'query.wait');
      }
    });

    it('POST …/runs?wait=N answers 200 with the run when it ends in time, else the exact 202 of §3', async () => {
      const fast = await t.api('POST', '/workflows/three-steps/runs?wait=30', { body: { inputs: {} } });
      assert.equal(fast.status, 200);
      assert.equal(fast.body.status, 'COMPLETED');
      assert.equal(fast.body.output, 2);
      const details = await t.api('GET', `/workflow-runs/${fast.body.run_id}?include=details`);
      assert.deepEqual(fast.body, details.body, 'the run as GET …?include=details shows it');
      const slow = await t.api('POST', '/workflows/slow/runs?wait=1', { body: { inputs: {} } });
      assert.equal(slow.status, 202);
      assert.deepEqual(slow.body, {
        run_id: slow.body.run_id, status: 'QUEUED', workspace_id: null, workflow_execution_id: null,
        status_url: `${API_PREFIX}/workflow-runs/${slow.body.run_id}`,
      });
      const bad = await t.api('POST', '/workflows/slow/runs?wait=100', { body: { inputs: {} } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.details[0].path, 'query.wait');
    });

    it('ends open streams and long-polls at shutdown', async () => {
      const idle = await startTestServer({ backend, concurrency: 0 });
      await idle.publish(THREE_STEPS);
      const created = await idle.api('POST', '/workflows/three-steps/runs', { body: { inputs: {} } });
      const url = `${idle.url}${API_PREFIX}/workflow-runs/${created.body.run_id}/events`;
      let replayed = 0;
      const streams = Array.from({ length: 3 }, () => readSse(url, { headers: { authorization: `Bearer ${idle.token}` }, timeoutMs: 30_000, onEvent: () => (replayed += 1) }));
      const polled = idle.api('GET', `/workflow-runs/${created.body.run_id}?wait=60`);
      // Wait until every reader has its replay (QUEUED) and so follows the run, and the long-poll is subscribed.
      for (const deadline = Date.now() + 20_000; (replayed < 3 || idle.services.runEvents.watchedRuns() === 0) && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(idle.services.runEvents.watchedRuns(), 1, 'one subscription for the run, however many readers');
      await idle.close();
      for (const stream of await Promise.all(streams)) {
        assert.equal(stream.closedByServer, true);
        assert.deepEqual(stream.events.map((e) => e.data.status), ['QUEUED']);
      }
      const answer = await polled;
      assert.equal(answer.status, 200);
      assert.equal(answer.body.status, 'QUEUED', 'the long-poll answered with the current state');
    });

    it('leaves the plain Slate answers unchanged without wait', async () => {
      const created = await t.api('POST', '/workflows/three-steps/runs?cachebuster=1', { body: { inputs: {} } });
      assert.equal(created.status, 202);
      assert.deepEqual(Object.keys(created.body), ['run_id', 'status', 'workspace_id', 'workflow_execution_id', 'status_url']);
      assert.equal(created.body.status, 'QUEUED');
      const run = await t.api('GET', `/workflow-runs/${created.body.run_id}?x=1`);
      assert.equal(run.status, 200);
      assert.deepEqual(Object.keys(run.body), RUN_KEYS);
    });
  });
}
