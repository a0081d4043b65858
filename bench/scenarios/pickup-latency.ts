import { childScript } from '../lib/build.js';
import type { BenchContext } from '../lib/context.js';
import { runJsonChild, sleep } from '../lib/processes.js';
import { CREATE_BODY, ONE_STEP, openRunsReader, prepareDatabase, runsUrl, startServe } from '../lib/slipway.js';
import { percentile } from '../lib/stats.js';

export const PICKUP = '3. pickup latency';
const GAP_MS = 20;

/**
 * Scenario 3: on an idle system, one run at a time: the time from the 202 to STARTING
 * (the run's started_at), and from just before the request to STARTING. Compared with
 * graphile-worker's addJob → task start on the same PostgreSQL. All times are Date.now()
 * on the same machine (millisecond resolution), so 0 means "within the same millisecond",
 * and a 202 → STARTING below 0 means the worker claimed the run before the 202 arrived.
 */
export async function pickupLatency(ctx: BenchContext) {
  const { options, report } = ctx;
  const servers: Array<{ backend: string; url: string; token: string; databaseUrl: string; stop: () => Promise<void> }> = [];
  try {
    for (const backend of options.backends) {
      const missing = ctx.slipwayMissing[backend];
      if (missing) {
        report.missing(`pickup.${backend}.slipway.ack.p50`, PICKUP, `Slipway, ${backend}: 202 → STARTING p50`, 'ms', missing);
        continue;
      }
      const db = await prepareDatabase(await ctx.newDatabase(backend, 'pickup'));
      const serve = await startServe(db.databaseUrl, 4, {}, ctx.slipwayNodeArgs(`pickup-${backend}`));
      servers.push({ backend, url: serve.url, token: db.token, databaseUrl: db.databaseUrl, stop: async () => { await serve.stop(); } });
    }
    const graphileUrl = 'missing' in ctx.postgres ? null : await ctx.newDatabase('postgres', 'graphile_latency');
    report.settings.pickup = {
      samples: options.latencySamples,
      gapMs: GAP_MS,
      slipway: 'slipway serve --concurrency 4 (API and workers in one process, as a single-node install runs)',
      graphileWorker: 'concurrency 1, LISTEN/NOTIFY, addJob from the worker process',
    };
    for (let round = 1; round <= options.rounds; round++) {
      for (const s of servers) {
        const { ack, add } = await slipwaySamples(s.url, s.token, s.databaseUrl, options.latencySamples);
        const base = `pickup.${s.backend}.slipway`;
        report.push(`${base}.ack.p50`, PICKUP, `Slipway, ${s.backend}: 202 → STARTING p50`, 'ms', percentile(ack, 50));
        report.push(`${base}.ack.p99`, PICKUP, `Slipway, ${s.backend}: 202 → STARTING p99`, 'ms', percentile(ack, 99));
        report.push(`${base}.add.p50`, PICKUP, `Slipway, ${s.backend}: request → STARTING p50`, 'ms', percentile(add, 50));
        report.push(`${base}.add.p99`, PICKUP, `Slipway, ${s.backend}: request → STARTING p99`, 'ms', percentile(add, 99));
      }
      if (graphileUrl) {
        const g = await runJsonChild<{ addToStart: number[]; ackToStart: number[] }>(childScript('graphile-worker-bench'), ['latency', graphileUrl, String(options.latencySamples), String(GAP_MS)]);
        report.push('pickup.graphile.ack.p50', PICKUP, 'graphile-worker: addJob returned → task start p50', 'ms', percentile(g.ackToStart, 50));
        report.push('pickup.graphile.ack.p99', PICKUP, 'graphile-worker: addJob returned → task start p99', 'ms', percentile(g.ackToStart, 99));
        report.push('pickup.graphile.add.p50', PICKUP, 'graphile-worker: addJob called → task start p50', 'ms', percentile(g.addToStart, 50));
        report.push('pickup.graphile.add.p99', PICKUP, 'graphile-worker: addJob called → task start p99', 'ms', percentile(g.addToStart, 99));
      } else {
        report.missing('pickup.graphile.ack.p50', PICKUP, 'graphile-worker: addJob returned → task start p50', 'ms', (ctx.postgres as { missing: string }).missing);
      }
      ctx.log(`pickup: round ${round}/${options.rounds} done`);
    }
  } finally {
    for (const s of servers) await s.stop();
  }
}

async function slipwaySamples(url: string, token: string, databaseUrl: string, samples: number) {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const post = async () => {
    const response = await fetch(runsUrl(url, ONE_STEP), { method: 'POST', headers, body: CREATE_BODY });
    if (response.status !== 202) throw new Error(`create answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { run_id: string }).run_id;
  };
  for (let i = 0; i < 5; i++) await post(); // warm the connection and the server
  await sleep(200);
  const sent: Array<{ id: string; before: number; acked: number }> = [];
  for (let i = 0; i < samples; i++) {
    const before = Date.now();
    const id = await post();
    sent.push({ id, before, acked: Date.now() });
    await sleep(GAP_MS);
  }
  const reader = openRunsReader(databaseUrl);
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const times = await reader.times(sent.map((s) => s.id));
      if (sent.every((s) => times.get(s.id)?.startedAt != null)) {
        return {
          ack: sent.map((s) => times.get(s.id)!.startedAt! - s.acked),
          add: sent.map((s) => times.get(s.id)!.startedAt! - s.before),
        };
      }
      if (Date.now() > deadline) throw new Error('runs of the pickup scenario did not start within 30 s');
      await sleep(50);
    }
  } finally {
    await reader.close();
  }
}
