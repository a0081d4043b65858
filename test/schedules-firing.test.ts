import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig, parseDatabaseUrl } from '../src/config/config.js';
import { systemClock } from '../src/core/clock.js';
import { openStore, startSlipway } from '../src/server.js';
import type { Store } from '../src/store/store.js';
import { runCli } from './support/cli.js';
import { startSlipwayProcess } from './support/slipway-process.js';
import { freshDatabase, HELLO_WORKFLOW, startTestServer, testBackends } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';
import { clockWithNow } from '../src/core/clock.js';

const API = '/workflow-service/api/public/v1';

/** Firing with real processes and real time, on every backend. */
for (const backend of testBackends()) {
  describe(`schedules fire [${backend}]`, () => {
    it('catches up after the service was stopped across fire times: none, last, all (skip and allow)', async () => {
      const clock = { ...systemClock, at: Date.parse('2026-03-27T10:00:30.000Z'), now: () => clock.at };
      const first = await startTestServer({ backend, concurrency: 1, clock });
      try {
        await first.publish(HELLO_WORKFLOW);
        const ids: Record<string, string> = {};
        for (const [name, catchup, overlap] of [['none', 'none', 'skip'], ['last', 'last', 'skip'], ['allSkip', 'all', 'skip'], ['allAllow', 'all', 'allow']] as const) {
          const created = await first.api('POST', '/schedules', { body: { workflow_id: 'hello', cron: '0 * * * *', inputs: { name }, catchup, overlap } });
          assert.equal(created.status, 201, JSON.stringify(created.body));
          ids[name] = created.body.schedule_id;
        }
        await first.server.close(); // stopped at 10:00:30, before the 11:00 fire

        clock.at = Date.parse('2026-03-27T13:30:00.000Z'); // 11:00, 12:00 and 13:00 were missed
        const config = loadConfig({ databaseUrl: first.databaseUrl, host: '127.0.0.1', port: 0, concurrency: 1 }, { SLIPWAY_POLL_INTERVAL: '50ms' });
        const second = await startSlipway({ config, http: false, examplesDir: null, logger: false, clock: clockWithNow(() => clock.now()) });
        try {
          const store = second.store;
          await waitFor(async () => {
            const all = await Promise.all(Object.values(ids).map((id) => store.getSchedule(first.workspaceId, id)));
            return all.every((s) => s?.nextFireAt === Date.parse('2026-03-27T14:00:00.000Z'));
          }, { what: 'every schedule to be handled', timeoutMs: 60_000 });
          const outcomes = async (id: string) =>
            (await store.listScheduleFires(first.workspaceId, id, { page: 1, limit: 100 })).items.map((f) => [new Date(f.fireAt).toISOString().slice(11, 16), f.outcome]).reverse();
          assert.deepEqual(await outcomes(ids.none!), []);
          assert.deepEqual(await outcomes(ids.last!), [['13:00', 'created']]);
          assert.deepEqual(await outcomes(ids.allSkip!), [['11:00', 'skipped_overlap'], ['12:00', 'skipped_overlap'], ['13:00', 'created']]);
          assert.deepEqual(await outcomes(ids.allAllow!), [['11:00', 'created'], ['12:00', 'created'], ['13:00', 'created']]);
          assert.equal((await store.listRuns(first.workspaceId, { page: 1, limit: 100 })).total, 5, 'one run per created fire, no extra');
        } finally {
          await second.close();
        }
      } finally {
        await first.close();
      }
    });

    it('serve --concurrency 0 does not fire; a worker that starts later fires the times it finds (less than a minute late)', async () => {
      const { databaseUrl, remove } = await freshDatabase(backend);
      const env = { SLIPWAY_DATABASE_URL: databaseUrl, SLIPWAY_POLL_INTERVAL: '200ms' };
      const api = await startSlipwayProcess(['serve', '--port', '0', '--concurrency', '0'], { env });
      let worker: Awaited<ReturnType<typeof startSlipwayProcess>> | null = null;
      try {
        const token = /SLIPWAY_TOKEN=(slat_\w+)/.exec(api.output())![1]!;
        const call = async (method: string, path: string, body?: unknown) =>
          (await fetch(`${api.url}${API}${path}`, {
            method,
            headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
            body: body === undefined ? undefined : JSON.stringify(body),
          })).json() as Promise<any>;
        const created = await call('POST', '/schedules', { workflow_id: 'hello', cron: '*/2 * * * * *', inputs: { name: 'late' }, overlap: 'allow' });
        const firstTime = Date.parse(created.next_fire_at);
        // An absence can only be seen by letting time pass: two fire times go by with no firer.
        await waitFor(() => Date.now() > firstTime + 2500, { what: 'two fire times to pass', timeoutMs: 10_000 });
        assert.deepEqual((await call('GET', `/schedules/${created.schedule_id}/fires`)).data, [], 'the API-only process fired nothing');
        worker = await startSlipwayProcess(['worker', '--concurrency', '1'], { env });
        const log = await waitFor(async () => {
          const data = (await call('GET', `/schedules/${created.schedule_id}/fires?limit=100`)).data as { fire_at: string; outcome: string }[];
          return data.some((f) => Date.parse(f.fire_at) === firstTime) && data.length >= 3 && data;
        }, { what: 'the worker to fire', timeoutMs: 60_000, intervalMs: 200 });
        assert.ok(log.every((f) => f.outcome === 'created'), JSON.stringify(log));
        const times = log.map((f) => Date.parse(f.fire_at)).sort((a, b) => a - b);
        assert.equal(times[0], firstTime, 'the times missed before the worker came were fired, from the first one');
        for (let i = 1; i < times.length; i++) assert.equal(times[i]! - times[i - 1]!, 2000);
      } finally {
        await worker?.stop();
        await api.stop();
        remove();
      }
    });

    it('a 6-field schedule every 2 s under two processes makes one run per fire time, none extra; pause stops it', async (t) => {
      const { databaseUrl, remove } = await freshDatabase(backend);
      const env = { SLIPWAY_DATABASE_URL: databaseUrl, SLIPWAY_POLL_INTERVAL: '200ms' };
      assert.equal((await runCli(['migrate'], env)).code, 0);
      const serve = await startSlipwayProcess(['serve', '--port', '0', '--concurrency', '2'], { env });
      const worker = await startSlipwayProcess(['worker', '--concurrency', '2'], { env });
      let store: Store | null = null;
      try {
        const token = /SLIPWAY_TOKEN=(slat_\w+)/.exec(serve.output())![1]!;
        const call = async (method: string, path: string, body?: unknown) => {
          const response = await fetch(`${serve.url}${API}${path}`, {
            method,
            headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          return { status: response.status, body: (await response.json()) as any };
        };
        const created = await call('POST', '/schedules', { workflow_id: 'hello', cron: '*/2 * * * * *', inputs: { name: 'tick' }, overlap: 'allow' });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const id = created.body.schedule_id as string;
        const fires = async () =>
          (await call('GET', `/schedules/${id}/fires?limit=100`)).body.data as { fire_at: string; run_id: string | null; outcome: string; created_at: string }[];
        await waitFor(async () => (await fires()).length >= 6, { what: '6 fires', timeoutMs: 90_000, intervalMs: 200 });
        const paused = await call('POST', `/schedules/${id}/pause`);
        assert.equal(paused.status, 200);
        // A pass that claimed the schedule before the pause may still record one more fire. Then no fire
        // may come while two more fire times pass: an absence can only be seen by letting time pass.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const atPause = (await fires()).length;
        await new Promise((resolve) => setTimeout(resolve, 4500));
        const log = await fires();
        assert.equal(log.length, atPause, 'no fires while paused');

        assert.ok(log.every((f) => f.outcome === 'created'), JSON.stringify(log));
        const times = log.map((f) => Date.parse(f.fire_at)).sort((a, b) => a - b);
        assert.equal(new Set(times).size, times.length, 'one fire per fire time');
        for (let i = 1; i < times.length; i++) assert.equal(times[i]! - times[i - 1]!, 2000, 'no fire time dropped');
        const lateness = log.map((f) => Date.parse(f.created_at) - Date.parse(f.fire_at));
        t.diagnostic(`fire lateness (recorded - fire time): max ${Math.max(...lateness)} ms, median ${lateness.sort((a, b) => a - b)[lateness.length >> 1]} ms`);
        const runIds = log.map((f) => f.run_id);
        assert.equal(new Set(runIds).size, log.length, 'a run per fire');

        store = await openStore(parseDatabaseUrl(databaseUrl));
        const workspaceId = (await store.listWorkspaces())[0]!.id;
        const runs = (await store.listRuns(workspaceId, { workflowId: 'hello', page: 1, limit: 100 })).items;
        const scheduled = runs.filter((r) => r.trigger.type === 'schedule');
        assert.equal(scheduled.length, log.length, 'no extra run');
        assert.deepEqual(new Set(scheduled.map((r) => r.id)), new Set(runIds));
        for (const run of scheduled) assert.equal(run.trigger.schedule_id, id);
      } finally {
        await store?.close();
        await Promise.all([serve.stop(), worker.stop()]);
        remove();
      }
    });
  });
}
