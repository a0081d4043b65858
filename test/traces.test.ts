import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startFakeOpenAi } from './support/fake-openai.js';
import { startHttpPeer, sendJson, type HttpPeer } from './support/http-peer.js';
import { startOtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.js';
import { createTestDatabase } from './support/postgres.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { tempDir, testBackends } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

const API = '/workflow-service/api/public/v1';
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

const hex = (length: number) => Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join('');

function workflowYaml(id: string, peerUrl: string, path: string): string {
  return `
id: ${id}
name: ${id}
steps:
  - { id: prepare, type: transform, with: { value: "ready" } }
  - { id: call, type: http, with: { url: "${peerUrl}${path}" } }
  - { id: finish, type: transform, with: { value: "{{ steps.call.output.status }}" } }
`;
}

const stepSpan = (spans: ReceivedSpan[], stepId: string, attempt = 1) =>
  spans.find((s) => s.name === 'slipway.step' && s.attributes['slipway.step_id'] === stepId && s.attributes['slipway.attempt'] === attempt);
const runSpan = (spans: ReceivedSpan[]) => spans.find((s) => s.name === 'slipway.run');

/**
 * Traces (SPEC §17) on both backends: real `slipway serve` processes export OTLP/HTTP JSON
 * to a receiver of this test; a run joins the caller's `traceparent`; a takeover after a
 * SIGKILL continues the same trace in the other process.
 */
for (const backend of testBackends()) {
  describe(`traces (${backend})`, () => {
    const dir = tempDir('slipway-traces-');
    let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
    let peer: HttpPeer;
    let openAi: Awaited<ReturnType<typeof startFakeOpenAi>>;
    let env: Record<string, string>;
    let first: SlipwayProcess;
    let second: SlipwayProcess | null = null;
    let token: string;
    /** The first request to /slow is never answered (its process is killed meanwhile); later ones are. */
    const held: ServerResponse[] = [];

    before(async () => {
      receiver = await startOtlpReceiver();
      openAi = await startFakeOpenAi();
      peer = await startHttpPeer((request, response) => {
        if (request.path === '/slow' && held.length === 0) {
          held.push(response);
          return;
        }
        sendJson(response, 200, { ok: true });
      });
      const databaseUrl = backend === 'sqlite' ? `sqlite:${join(dir.path, 't.db')}` : await createTestDatabase();
      env = {
        SLIPWAY_DATABASE_URL: databaseUrl,
        SLIPWAY_POLL_INTERVAL: '100ms',
        SLIPWAY_LEASE_TIMEOUT: '2s',
        SLIPWAY_HTTP_ALLOW_PRIVATE: 'true',
        SLIPWAY_LLM_BASE_URL: openAi.baseUrl,
        SLIPWAY_LLM_API_KEY: 'test-key',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      };
      first = await startSlipwayProcess(['serve', '--port', '0', '--concurrency', '2'], { env: { ...env, OTEL_SERVICE_NAME: 'slipway-first' } });
      token = /SLIPWAY_TOKEN=(slat_\w+)/.exec(first.output())![1]!;
      for (const [id, path] of [['traced', '/echo'], ['taken-over', '/slow']] as const) {
        const applied = await fetch(`${first.url}${API}/workflows/${id}?publish=true`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
          body: workflowYaml(id, peer.url, path),
        });
        assert.ok(applied.ok, `publish ${id}: ${applied.status} ${await applied.text()}`);
      }
      const llm = await fetch(`${first.url}${API}/workflows/asks?publish=true`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
        body: 'id: asks\nname: asks\nsteps:\n  - { id: ask, type: llm, with: { model: gpt-test, prompt: "hi", temperature: 0.5 } }\n',
      });
      assert.ok(llm.ok, `publish asks: ${llm.status} ${await llm.text()}`);
    });
    after(async () => {
      for (const response of held) response.destroy();
      await first?.stop();
      await second?.stop();
      await peer?.close();
      await openAi?.close();
      await receiver?.close();
      dir.remove();
    });

    async function createRun(url: string, workflowId: string, traceparent: string): Promise<string> {
      const created = await fetch(`${url}${API}/workflows/${workflowId}/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', traceparent },
        body: JSON.stringify({ inputs: {} }),
      });
      assert.equal(created.status, 202);
      return ((await created.json()) as { run_id: string }).run_id;
    }

    async function waitForCompleted(url: string, runId: string) {
      await waitFor(async () => {
        const run = (await (await fetch(`${url}${API}/workflow-runs/${runId}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string };
        assert.notEqual(run.status, 'FAILED');
        return run.status === 'COMPLETED';
      }, { timeoutMs: 90_000, intervalMs: 100, what: `run ${runId} completes` });
    }

    it('exports a 3-step run with an http step as one trace that joins the caller\'s traceparent', async () => {
      const traceId = hex(32);
      const callerSpanId = hex(16);
      const runId = await createRun(first.url, 'traced', `00-${traceId}-${callerSpanId}-01`);
      await waitForCompleted(first.url, runId);
      const spans = await receiver.spansOfRun(runId, (found) => found.length >= 5 && runSpan(found) !== undefined, 'the run\'s five spans arrive');

      assert.equal(spans.length, 5, `one run span, three step spans, one client span: ${spans.map((s) => s.name).join(', ')}`);
      assert.ok(spans.every((s) => s.traceId === traceId), 'every span is in the caller\'s trace');
      assert.ok(spans.every((s) => s.serviceName === 'slipway-first'), 'OTEL_SERVICE_NAME names the service');
      const run = runSpan(spans)!;
      assert.equal(run.parentSpanId, callerSpanId, 'the run span is a child of the caller\'s span');
      assert.equal(run.attributes['slipway.workflow_id'], 'traced');
      assert.equal(typeof run.attributes['slipway.workspace_id'], 'number');
      assert.equal(run.attributes['slipway.run.status'], 'COMPLETED');
      for (const stepId of ['prepare', 'call', 'finish']) {
        const step = stepSpan(spans, stepId);
        assert.ok(step, `a span for step ${stepId}`);
        assert.equal(step.parentSpanId, run.spanId, `step ${stepId} is a child of the run span`);
        assert.equal(step.attributes['slipway.step_type'], stepId === 'call' ? 'http' : 'transform');
        assert.equal(step.attributes['slipway.step.status'], 'COMPLETED');
        assert.ok(step.startMs >= run.startMs && step.endMs <= run.endMs, `step ${stepId} lies within the run span`);
      }
      const client = spans.find((s) => s.kind === SPAN_KIND_CLIENT)!;
      assert.ok(client, 'a client span for the http request');
      assert.equal(client.parentSpanId, stepSpan(spans, 'call')!.spanId);
      assert.equal(client.name, 'GET');
      assert.equal(client.attributes['http.request.method'], 'GET');
      assert.equal(client.attributes['http.response.status_code'], 200);
      assert.equal(client.attributes['url.full'], `${peer.url}/echo`);
      const received = peer.requests.find((r) => r.path === '/echo')!;
      assert.equal(received.headers.traceparent, `00-${traceId}-${client.spanId}-01`, 'the peer receives the client span as its parent');
    });

    it('gives an llm step a gen_ai client span with the token usage', async () => {
      const traceId = hex(32);
      const runId = await createRun(first.url, 'asks', `00-${traceId}-${hex(16)}-01`);
      await waitForCompleted(first.url, runId);
      const spans = await receiver.spansOfRun(runId, (found) => found.length >= 3 && runSpan(found) !== undefined, 'the llm run\'s spans arrive');
      const client = spans.find((s) => s.kind === SPAN_KIND_CLIENT)!;
      assert.ok(client, 'a client span for the llm call');
      assert.equal(client.parentSpanId, stepSpan(spans, 'ask')!.spanId);
      assert.equal(client.traceId, traceId);
      assert.equal(client.name, 'chat gpt-test');
      assert.equal(client.attributes['gen_ai.operation.name'], 'chat');
      assert.equal(client.attributes['gen_ai.request.model'], 'gpt-test');
      assert.equal(client.attributes['gen_ai.request.temperature'], 0.5);
      assert.equal(client.attributes['gen_ai.response.model'], 'gpt-test-2026-01-01');
      assert.equal(client.attributes['gen_ai.usage.input_tokens'], 10);
      assert.equal(client.attributes['gen_ai.usage.output_tokens'], 5);
    });

    it('continues the same trace when another process takes the run over after a SIGKILL', async () => {
      const traceId = hex(32);
      const callerSpanId = hex(16);
      const runId = await createRun(first.url, 'taken-over', `00-${traceId}-${callerSpanId}-01`);
      // The first process has run `prepare` (and exported its span) and hangs in `call`.
      await peer.waitFor('/slow', 1);
      await receiver.spansOfRun(runId, (found) => stepSpan(found, 'prepare') !== undefined, 'the first process exports the prepare span');
      first.child.kill('SIGKILL');
      await first.exited;

      second = await startSlipwayProcess(['serve', '--port', '0', '--concurrency', '1'], { env: { ...env, OTEL_SERVICE_NAME: 'slipway-second' } });
      await waitForCompleted(second.url, runId);
      const spans = await receiver.spansOfRun(runId, (found) => runSpan(found) !== undefined && stepSpan(found, 'finish') !== undefined && stepSpan(found, 'call', 2) !== undefined, 'the second process exports the rest');

      assert.ok(spans.every((s) => s.traceId === traceId), 'one trace across both processes');
      const run = runSpan(spans)!;
      assert.equal(run.serviceName, 'slipway-second', 'the process that finished the run exports its span');
      assert.equal(run.parentSpanId, callerSpanId);
      assert.equal(stepSpan(spans, 'prepare')!.serviceName, 'slipway-first');
      for (const step of spans.filter((s) => s.name === 'slipway.step')) assert.equal(step.parentSpanId, run.spanId, `${String(step.attributes['slipway.step_id'])} is a child of the run span made at creation`);
      const interrupted = stepSpan(spans, 'call', 1)!;
      assert.ok(interrupted, 'the attempt cut short by the kill has its span (exported by the second process)');
      assert.equal(interrupted.serviceName, 'slipway-second');
      assert.equal(interrupted.attributes['slipway.error_code'], 'INTERRUPTED');
      assert.equal(interrupted.statusCode, STATUS_ERROR);
      assert.equal(stepSpan(spans, 'call', 2)!.attributes['slipway.step.status'], 'COMPLETED');
      assert.equal(run.attributes['slipway.run.status'], 'COMPLETED');
    });
  });
}
