import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase } from './support/postgres.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { tempDir } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

const API = '/workflow-service/api/public/v1';
const RUNS = 4;

/** One sample's value from Prometheus text, by its exact series (name and labels as printed). */
function sample(text: string, series: string): number | null {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return null;
}

/** Prometheus metrics on the opt-in port (SPEC §17), on both backends. */
for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`metrics (${backend})`, () => {
    const dir = tempDir('slipway-metrics-');
    let serve: SlipwayProcess;
    let token: string;
    let metricsUrl: string;

    before(async () => {
      const databaseUrl = backend === 'sqlite' ? `sqlite:${join(dir.path, 'm.db')}` : await createTestDatabase();
      serve = await startSlipwayProcess(['serve', '--port', '0', '--concurrency', '2', '--metrics-port', '0'], {
        env: { SLIPWAY_DATABASE_URL: databaseUrl, SLIPWAY_POLL_INTERVAL: '100ms' },
      });
      token = /SLIPWAY_TOKEN=(slat_\w+)/.exec(serve.output())![1]!;
      metricsUrl = /slipway metrics on (http:\/\/\S+\/metrics)/.exec(serve.output())![1]!;
    });
    after(async () => {
      await serve?.stop();
      dir.remove();
    });

    it('listens on 127.0.0.1 by default and serves nothing of the API', async () => {
      assert.match(metricsUrl, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      assert.equal((await fetch(metricsUrl.replace('/metrics', '/healthz'))).status, 404);
      assert.equal((await fetch(`${serve.url}/metrics`)).status, 404, 'the API port has no metrics');
    });

    it(`counts ${RUNS} runs created and finished and fills the histograms`, async () => {
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const ids: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const created = await fetch(`${serve.url}${API}/workflows/hello/runs`, { method: 'POST', headers, body: JSON.stringify({ inputs: { name: `n${i}` } }) });
        assert.equal(created.status, 202);
        ids.push(((await created.json()) as { run_id: string }).run_id);
      }
      for (const id of ids) {
        await waitFor(async () => {
          const run = (await (await fetch(`${serve.url}${API}/workflow-runs/${id}`, { headers })).json()) as { status: string };
          return run.status === 'COMPLETED';
        }, { timeoutMs: 60_000, intervalMs: 100, what: `run ${id} completes` });
      }
      // The finish is counted after the store write; the API may see COMPLETED a moment before.
      const text = await waitFor(async () => {
        const body = await (await fetch(metricsUrl)).text();
        return sample(body, 'slipway_runs_finished_total{workspace="1",workflow="hello",status="COMPLETED"}') === RUNS ? body : null;
      }, { timeoutMs: 30_000, intervalMs: 100, what: 'the finished counter reaches N' });

      assert.equal(sample(text, 'slipway_runs_created_total{workspace="1",workflow="hello"}'), RUNS);
      assert.equal(sample(text, 'slipway_queue_wait_seconds_count'), RUNS);
      assert.equal(sample(text, 'slipway_step_duration_seconds_count{type="transform"}'), RUNS);
      assert.ok((sample(text, 'slipway_step_duration_seconds_bucket{le="+Inf",type="transform"}') ?? 0) >= RUNS);
      assert.equal(sample(text, 'slipway_http_request_duration_seconds_count{route="/workflow-service/api/public/v1/workflows/:workflowId/runs",status="202"}'), RUNS);
      assert.ok(!text.includes(ids[0]!), 'no run id appears in any label');
      assert.equal(sample(text, 'slipway_queue_depth'), 0);
      assert.match(text, /^process_cpu_user_seconds_total /m, 'the process defaults');
      for (const name of ['slipway_limit_rejections_total', 'slipway_webhook_deliveries_total', 'slipway_llm_tokens_total']) {
        assert.match(text, new RegExp(`^# TYPE ${name} counter$`, 'm'));
      }
    });
  });
}
