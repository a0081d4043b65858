import type { BenchContext } from '../lib/context.js';
import { seedRuns } from '../lib/seed.js';
import { ONE_STEP, prepareDatabase, runsUrl, startServe } from '../lib/slipway.js';
import { httpLoad } from './create-throughput.js';

export const LIMITS = '6. limits';

/** Limits high enough never to refuse a bench create, low enough to be checked on every one. */
const HIGH = { daily: 100_000_000, concurrent: 100_000_000 };

/**
 * Scenario 6 (issue 10): what the daily and concurrent run limits cost a create. One database,
 * two workspaces served by one `serve --concurrency 0` (so every created run stays QUEUED and
 * counts toward both limits): one without limits, one with both. Each round loads both back to
 * back (`limits.<backend>.off` / `.on`). Then `limitRuns` more runs created today are written
 * into the limited workspace (bulk SQL with the triggers on, so the limit counters count them)
 * and the limited workspace is loaded again (`.full`): flat means full / on stays near 1.
 */
export async function limitsScenario(ctx: BenchContext) {
  const { options, report } = ctx;
  const seeded = new Intl.NumberFormat('en').format(options.limitRuns);
  report.settings.limits = { limitedWorkspace: HIGH, queuedRunsTodaySeeded: options.limitRuns, server: 'slipway serve --concurrency 0 (runs stay QUEUED)' };
  for (const backend of options.backends) {
    const labels = {
      off: `Slipway POST /runs, ${backend}, workspace without limits`,
      on: `Slipway POST /runs, ${backend}, workspace with daily + concurrent limits`,
      full: `Slipway POST /runs, ${backend}, with limits, ${seeded}+ more runs today`,
    };
    const missing = ctx.slipwayMissing[backend];
    if (missing) {
      for (const [kind, label] of Object.entries(labels)) report.missing(`limits.${backend}.${kind}.rps`, LIMITS, label, 'req/s', missing);
      continue;
    }
    const databaseUrl = await ctx.newDatabase(backend, 'limits');
    const plain = await prepareDatabase(databaseUrl);
    const limited = await prepareDatabase(databaseUrl, HIGH);
    const serve = await startServe(databaseUrl, 0, {}, ctx.slipwayNodeArgs(`limits-${backend}`));
    try {
      const load = (token: string) => httpLoad(runsUrl(serve.url, ONE_STEP), token, options.connections, options.seconds);
      if (!options.smoke) await load(plain.token);
      for (let round = 1; round <= options.rounds; round++) {
        report.push(`limits.${backend}.off.rps`, LIMITS, labels.off, 'req/s', (await load(plain.token)).rps);
        report.push(`limits.${backend}.on.rps`, LIMITS, labels.on, 'req/s', (await load(limited.token)).rps);
      }
      ctx.log(`limits: seeding ${seeded} queued runs of today (${backend})`);
      await seedRuns(databaseUrl, limited.workspaceId, options.limitRuns, 'queued-today');
      for (let round = 1; round <= options.rounds; round++) {
        report.push(`limits.${backend}.full.rps`, LIMITS, labels.full, 'req/s', (await load(limited.token)).rps);
      }
      ctx.log(`limits: ${backend} done`);
    } finally {
      await serve.stop();
    }
  }
}
