import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchContext } from '../lib/context.js';
import { seedRuns } from '../lib/seed.js';
import { ONE_STEP, prepareDatabase, runsUrl, startServe } from '../lib/slipway.js';
import { median } from '../lib/stats.js';
import { httpLoad } from './create-throughput.js';
import { slipwayBatch } from './end-to-end.js';

export const OBSERVABILITY = '8. metrics and traces';

/** An OTLP/HTTP endpoint that accepts and drops every export (what the exporter costs, not a collector). */
async function startOtlpSink(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/**
 * Scenario 8 (issue 21): what metrics and traces cost. Create throughput (`serve
 * --concurrency 0`) and end-to-end throughput (`worker`) with both off, then with
 * `SLIPWAY_METRICS_PORT` and `OTEL_EXPORTER_OTLP_ENDPOINT` set (spans exported to a sink), in
 * the same rounds; then one `/metrics` scrape with `scrapeRuns` runs QUEUED (cold: the queue
 * depth is counted; warm: within the 5 s the count is reused).
 */
export async function observabilityScenario(ctx: BenchContext) {
  const { options, report } = ctx;
  const queued = options.smoke ? 1000 : 100_000;
  const sink = await startOtlpSink();
  const on = { SLIPWAY_METRICS_PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
  report.settings.observability = { on, queuedForScrape: queued };
  try {
    for (const backend of options.backends) {
      const labels = {
        createOff: `Slipway POST /runs, ${backend}, metrics and traces off`,
        createOn: `Slipway POST /runs, ${backend}, metrics and traces on`,
        e2eOff: `Slipway end to end, ${backend}, metrics and traces off`,
        e2eOn: `Slipway end to end, ${backend}, metrics and traces on`,
        cold: `GET /metrics with ${new Intl.NumberFormat('en').format(queued)} queued runs, ${backend}, queue depth counted`,
        warm: `GET /metrics with ${new Intl.NumberFormat('en').format(queued)} queued runs, ${backend}, queue depth cached`,
      };
      const missing = ctx.slipwayMissing[backend];
      if (missing) {
        report.missing(`obs.${backend}.create.off.rps`, OBSERVABILITY, labels.createOff, 'req/s', missing);
        report.missing(`obs.${backend}.create.on.rps`, OBSERVABILITY, labels.createOn, 'req/s', missing);
        report.missing(`obs.${backend}.e2e.off`, OBSERVABILITY, labels.e2eOff, 'runs/s', missing);
        report.missing(`obs.${backend}.e2e.on`, OBSERVABILITY, labels.e2eOn, 'runs/s', missing);
        report.missing(`obs.${backend}.scrape.cold.ms`, OBSERVABILITY, labels.cold, 'ms', missing);
        report.missing(`obs.${backend}.scrape.warm.ms`, OBSERVABILITY, labels.warm, 'ms', missing);
        continue;
      }
      const createDb = await prepareDatabase(await ctx.newDatabase(backend, 'obs-create'));
      const off = await startServe(createDb.databaseUrl, 0, {}, ctx.slipwayNodeArgs(`obs-off-${backend}`));
      const with_ = await startServe(createDb.databaseUrl, 0, on, ctx.slipwayNodeArgs(`obs-on-${backend}`));
      try {
        const load = (url: string) => httpLoad(runsUrl(url, ONE_STEP), createDb.token, options.connections, options.seconds);
        if (!options.smoke) await load(off.url);
        for (let round = 1; round <= options.rounds; round++) {
          report.push(`obs.${backend}.create.off.rps`, OBSERVABILITY, labels.createOff, 'req/s', (await load(off.url)).rps);
          report.push(`obs.${backend}.create.on.rps`, OBSERVABILITY, labels.createOn, 'req/s', (await load(with_.url)).rps);
        }
      } finally {
        await Promise.all([off.stop(), with_.stop()]);
      }
      const e2eDb = await prepareDatabase(await ctx.newDatabase(backend, 'obs-e2e'));
      for (let round = 1; round <= options.rounds; round++) {
        report.push(`obs.${backend}.e2e.off`, OBSERVABILITY, labels.e2eOff, 'runs/s', await slipwayBatch(ctx, e2eDb, options.runs, 16, `obs-e2e-off-${backend}`));
        report.push(`obs.${backend}.e2e.on`, OBSERVABILITY, labels.e2eOn, 'runs/s', await slipwayBatch(ctx, e2eDb, options.runs, 16, `obs-e2e-on-${backend}`, on));
      }

      const scrapeDb = await prepareDatabase(await ctx.newDatabase(backend, 'obs-scrape'));
      ctx.log(`observability: seeding ${queued} queued runs (${backend})`);
      await seedRuns(scrapeDb.databaseUrl, scrapeDb.workspaceId, queued, 'queued');
      const serve = await startServe(scrapeDb.databaseUrl, 0, { SLIPWAY_METRICS_PORT: '0' });
      try {
        const metricsUrl = `${/slipway metrics on (http:\/\/\S+\/metrics)/.exec(serve.output())![1]!}`;
        const scrape = async () => {
          const started = performance.now();
          const text = await (await fetch(metricsUrl)).text();
          if (!new RegExp(`^slipway_queue_depth ${queued}$`, 'm').test(text)) throw new Error(`the scrape did not show ${queued} queued runs`);
          return performance.now() - started;
        };
        report.push(`obs.${backend}.scrape.cold.ms`, OBSERVABILITY, labels.cold, 'ms', await scrape());
        const warm: number[] = [];
        for (let i = 0; i < 5; i++) warm.push(await scrape());
        report.push(`obs.${backend}.scrape.warm.ms`, OBSERVABILITY, labels.warm, 'ms', median(warm));
      } finally {
        await serve.stop();
      }
      ctx.log(`observability: ${backend} done`);
    }
  } finally {
    await sink.close();
  }
}
