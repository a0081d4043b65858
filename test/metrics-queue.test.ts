import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HELLO_WORKFLOW, startTestServer, testBackends } from './support/test-server.js';

function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

/** The queue depth gauge and the limit rejection counter (SPEC §17), on every backend. */
for (const backend of testBackends()) {
  describe(`metrics: queue depth and limit rejections (${backend})`, () => {
    it('counts queued runs and a daily-limit rejection', async () => {
      const server = await startTestServer({ backend, concurrency: 0, env: { SLIPWAY_METRICS_PORT: '0' } });
      try {
        const limited = await server.newWorkspace({ dailyRunLimit: 3 });
        await server.publish(HELLO_WORKFLOW, limited.workspaceId);
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) {
          statuses.push((await server.api('POST', '/workflows/hello/runs', { token: limited.token, body: { inputs: { name: `q${i}` } } })).status);
        }
        assert.deepEqual(statuses, [202, 202, 202, 429]);
        const metricsUrl = server.server.metricsUrl;
        assert.ok(metricsUrl, 'SLIPWAY_METRICS_PORT starts the metrics port');
        const text = await (await fetch(`${metricsUrl}/metrics`)).text();
        assert.equal(sample(text, 'slipway_queue_depth'), 3, 'no worker: the three runs wait');
        assert.equal(sample(text, 'slipway_limit_rejections_total{limit="daily_runs"}'), 1);
        assert.equal(sample(text, `slipway_runs_created_total{workspace="${limited.workspaceId}",workflow="hello"}`), 3);
      } finally {
        await server.close();
      }
    });

    it('counts every way a run ends: a cancel, a bulk cancel, an abort, a batch create', async () => {
      const server = await startTestServer({ backend, concurrency: 0, env: { SLIPWAY_METRICS_PORT: '0' } });
      try {
        const ws = await server.newWorkspace();
        await server.publish(HELLO_WORKFLOW, ws.workspaceId);
        const batch = await server.api('POST', '/workflows/hello/runs/batch', { token: ws.token, body: { runs: Array.from({ length: 5 }, (_, i) => ({ inputs: { name: `b${i}` } })) } });
        assert.equal(batch.status, 200);
        const ids = (batch.body as { data: { run_id: string }[] }).data.map((item) => item.run_id);
        assert.equal((await server.api('POST', `/workflow-runs/${ids[0]}/cancel`, { token: ws.token })).status, 200);
        assert.equal((await server.api('POST', `/workflow-runs/${ids[1]}/abort`, { token: ws.token })).status, 202);
        const bulk = await server.api('POST', '/workflow-runs/bulk', { token: ws.token, body: { action: 'cancel', filter: { run_ids: ids.slice(2, 5) } } });
        assert.equal(bulk.status, 200);
        assert.equal((bulk.body as { affected: number }).affected, 3);
        const text = await (await fetch(`${server.server.metricsUrl}/metrics`)).text();
        assert.equal(sample(text, `slipway_runs_created_total{workspace="${ws.workspaceId}",workflow="hello"}`), 5, 'batch items count as created');
        assert.equal(sample(text, `slipway_runs_finished_total{workspace="${ws.workspaceId}",workflow="hello",status="CANCELED"}`), 5);
        assert.equal(sample(text, 'slipway_queue_depth'), 0);
      } finally {
        await server.close();
      }
    });
  });
}
