import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API_PREFIX } from '../src/api/schemas.js';
import { startFakeOpenAi } from './support/fake-openai.js';
import type { HttpPeer } from './support/http-peer.js';
import { startSlipwayProcess } from './support/slipway-process.js';
import { readSse, type SseEvent } from './support/sse.js';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

/**
 * SPEC §9 live: `step.delta` from a streaming OpenAI-compatible server (coalesced, seen by a
 * late subscriber from the step's start, never replayed after), and a subscriber on one
 * process following a run that a worker in another process executes — on both backends.
 */

const PROMPT = Array.from({ length: 24 }, (_, i) => `word${i}`).join(' ');

const STREAMING = `
id: streaming
name: Streaming LLM
steps:
  - id: ask
    type: llm
    with: { model: gpt-test, prompt: "${PROMPT}", stream: true }
  - id: done
    type: transform
    with: { value: "{{ steps.ask.output.text }}" }
`;

const CROSS = `
id: cross
name: Cross-process
steps:
  - id: first
    type: transform
    with: { value: 1 }
  - id: pause
    type: delay
    with: { duration: 200ms }
  - id: ask
    type: llm
    with: { model: gpt-test, prompt: "${PROMPT}", stream: true }
`;

const deltaText = (events: SseEvent[], stepId: string) =>
  events.filter((e) => e.event === 'step.delta' && e.data.step_id === stepId).map((e) => e.data.text).join('');

for (const backend of testBackends()) {
  describe(`run events live [${backend}]`, () => {
    let llm: HttpPeer & { baseUrl: string };
    let t: TestServer;
    const llmEnv = () => ({ SLIPWAY_LLM_BASE_URL: llm.baseUrl, SLIPWAY_LLM_API_KEY: 'test-key' });
    const auth = () => ({ authorization: `Bearer ${t.token}` });
    const eventsUrl = (runId: string) => `${t.url}${API_PREFIX}/workflow-runs/${runId}/events`;

    before(async () => {
      llm = await startFakeOpenAi({ streamChunkMs: 50 });
      t = await startTestServer({ backend, concurrency: 2, env: llmEnv() });
      await t.publish(STREAMING);
    });
    after(async () => {
      await t.close();
      await llm.close();
    });

    it('publishes the streamed text as coalesced step.delta events that add up to the output, also for a late subscriber, and never replays them', async () => {
      const created = await t.api('POST', '/workflows/streaming/runs', { body: { inputs: {} } });
      const runId = created.body.run_id;
      const late: { stream: ReturnType<typeof readSse> | null } = { stream: null };
      const early = await readSse(eventsUrl(runId), {
        headers: auth(),
        // A second subscriber connects from the start once text is flowing.
        onEvent: (event) => {
          if (event.event === 'step.delta' && late.stream === null) late.stream = readSse(eventsUrl(runId), { headers: auth() });
        },
      });
      assert.ok(late.stream, 'text was streamed before the step completed');
      const lateResult = await late.stream;
      const completed = early.events.find((e) => e.event === 'step.completed' && e.data.step_id === 'ask')!;
      const text = completed.data.output.text as string;
      assert.equal(text, `echo: ${PROMPT}`);
      // Deltas live until the step completes: a reader that reads the log after that commit
      // misses the tail, which step.completed carries in full. What it got is the text from the start.
      const earlyText = deltaText(early.events, 'ask');
      const lateText = deltaText(lateResult.events, 'ask');
      assert.ok(earlyText.length > 0 && text.startsWith(earlyText), `the deltas are the text in order: ${earlyText}`);
      assert.ok(lateText.startsWith('echo: word0 ') && text.startsWith(lateText), `a late subscriber gets the deltas from the step's start: ${lateText}`);
      const deltas = early.events.filter((e) => e.event === 'step.delta');
      const chunks = PROMPT.split(' ').length + 1;
      assert.ok(deltas.length >= 1 && deltas.length < chunks, `${deltas.length} deltas for ${chunks} chunks: coalesced`);
      const started = early.events.findIndex((e) => e.event === 'step.started' && e.data.step_id === 'ask');
      const end = early.events.indexOf(completed);
      assert.ok(early.events.every((e, i) => e.event !== 'step.delta' || (i > started && i < end)), 'deltas come between started and completed');
      assert.deepEqual(Object.keys(deltas[0]!.data).sort(), ['attempt', 'step_id', 'text']);

      const replay = await readSse(eventsUrl(runId), { headers: auth() });
      assert.deepEqual(replay.events.filter((e) => e.event === 'step.delta'), [], 'never replayed after the step completed');
      assert.deepEqual(replay.events.map((e) => e.event), early.events.filter((e) => e.event !== 'step.delta').map((e) => e.event));
      const sent = JSON.parse(llm.requests.at(-1)!.body);
      assert.equal(sent.stream, true);
      const run = await t.api('GET', `/workflow-runs/${runId}`);
      assert.equal(run.body.output, text, 'the whole text is checkpointed as without streaming');
    });

    it('follows on one process a run executed by a worker in another process (SSE and long-poll)', async () => {
      const api = await startTestServer({ backend, concurrency: 0 });
      let worker: Awaited<ReturnType<typeof startSlipwayProcess>> | null = null;
      try {
        await api.publish(CROSS);
        const created = await api.api('POST', '/workflows/cross/runs', { body: { inputs: {} } });
        const runId = created.body.run_id;
        const url = `${api.url}${API_PREFIX}/workflow-runs/${runId}/events`;
        const headers = { authorization: `Bearer ${api.token}` };
        const following = readSse(url, { headers, timeoutMs: 60_000 });
        const polling = api.api('GET', `/workflow-runs/${runId}?wait=60`);
        worker = await startSlipwayProcess(['--database-url', api.databaseUrl, 'worker', '--concurrency', '1'], {
          env: { ...llmEnv(), SLIPWAY_POLL_INTERVAL: '50ms' },
        });
        const live = await following;
        assert.equal(live.closedByServer, true);
        assert.deepEqual(live.events.filter((e) => e.event !== 'step.delta').map((e) => `${e.event} ${e.data.step_id ?? e.data.status}`).filter((l, i, a) => a[i - 1] !== l), [
          'run.status QUEUED', 'run.status STARTING', 'run.status RUNNING',
          'step.started first', 'step.completed first', 'step.started pause', 'step.waiting pause', 'step.completed pause',
          'step.started ask', 'step.completed ask', 'run.status COMPLETED',
        ]);
        const streamed = deltaText(live.events, 'ask');
        assert.ok(streamed.length > 0 && `echo: ${PROMPT}`.startsWith(streamed), `deltas written by the worker process reach this one: ${streamed}`);
        const ids = live.events.map((e) => Number(e.id));
        assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]!), 'ids strictly increasing');
        const polled = await polling;
        assert.equal(polled.status, 200);
        assert.equal(polled.body.status, 'COMPLETED');
      } finally {
        await worker?.stop();
        await api.close();
      }
    });
  });
}
