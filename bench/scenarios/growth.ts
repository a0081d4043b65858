import type { BenchContext } from '../lib/context.js';
import { peakRssKb, sleep } from '../lib/processes.js';
import { cancelLeftoverQueuedRuns, seedRuns } from '../lib/seed.js';
import { ONE_STEP, openRunsReader, prepareDatabase, runsUrl, startServe } from '../lib/slipway.js';
import { httpLoad } from './create-throughput.js';
import { slipwayBatch } from './end-to-end.js';

export const GROWTH = '5. growth';

/**
 * Scenario 5: scenarios 1 and 2 (Slipway only) again on a database that already holds
 * `growthRuns` finished runs, written by bulk SQL (bench-only seeding); the ratio to the
 * empty-database figures is taken by run.ts. Then the peak RSS (VmHWM) of `serve` working
 * through `memoryRuns` queued runs, beside the same on an empty database.
 */
export async function growth(ctx: BenchContext) {
  const { options, report } = ctx;
  const seeded = new Intl.NumberFormat('en').format(options.growthRuns);
  report.settings.growth = { finishedRunsSeeded: options.growthRuns, queuedRunsForMemory: options.memoryRuns, seedingMs: {} as Record<string, number> };
  for (const backend of options.backends) {
    const missing = ctx.slipwayMissing[backend];
    if (missing) {
      report.missing(`growth.${backend}.create.rps`, GROWTH, `Slipway, ${backend}, ${seeded} finished runs: create throughput`, 'req/s', missing);
      continue;
    }
    const db = await prepareDatabase(await ctx.newDatabase(backend, 'growth'));
    ctx.log(`growth: seeding ${seeded} finished runs (${backend})`);
    (report.settings.growth as { seedingMs: Record<string, number> }).seedingMs[backend] = await seedRuns(db.databaseUrl, db.workspaceId, options.growthRuns, 'finished');
    const serve = await startServe(db.databaseUrl, 0, {}, ctx.slipwayNodeArgs(`growth-create-${backend}`));
    try {
      const url = runsUrl(serve.url, ONE_STEP);
      if (!options.smoke) await httpLoad(url, db.token, options.connections, 3);
      for (let round = 1; round <= options.rounds; round++) {
        const r = await httpLoad(url, db.token, options.connections, options.seconds);
        report.push(`growth.${backend}.create.rps`, GROWTH, `Slipway POST /runs, ${backend}, ${seeded} finished runs: throughput`, 'req/s', r.rps);
        report.push(`growth.${backend}.create.p99`, GROWTH, `Slipway POST /runs, ${backend}, ${seeded} finished runs: p99 latency`, 'ms', r.p99);
      }
    } finally {
      await serve.stop();
    }
    // The create load left its runs QUEUED; the end-to-end batch must not work through them first.
    await cancelLeftoverQueuedRuns(db.databaseUrl);
    for (let round = 1; round <= options.rounds; round++) {
      const rate = await slipwayBatch(ctx, db, options.runs, options.concurrency, `growth-e2e-${backend}`);
      report.push(`growth.${backend}.e2e`, GROWTH, `Slipway end to end, ${backend}, ${seeded} finished runs`, 'runs/s', rate);
    }
    ctx.log(`growth: ${backend} throughput done`);
    for (const queued of [options.memoryRuns, 0]) {
      const memDb = await prepareDatabase(await ctx.newDatabase(backend, 'memory'));
      if (queued > 0) await seedRuns(memDb.databaseUrl, memDb.workspaceId, queued, 'queued');
      const { rssMb, processed } = await peakRss(memDb.databaseUrl, memDb.workspaceId, options.smoke ? 1 : 5);
      const what = queued > 0 ? `${new Intl.NumberFormat('en').format(queued)} queued runs` : 'empty database';
      report.push(`memory.${backend}.${queued > 0 ? 'queued' : 'empty'}`, GROWTH, `serve --concurrency 4, ${backend}, ${what}: peak RSS (ran ${processed} runs)`, 'MiB', rssMb);
    }
    ctx.log(`growth: ${backend} memory done`);
  }
}

/** Runs `serve` for `seconds` and reads its peak resident memory from /proc (VmHWM). */
async function peakRss(databaseUrl: string, workspaceId: number, seconds: number): Promise<{ rssMb: number; processed: number }> {
  const serve = await startServe(databaseUrl, 4);
  const reader = openRunsReader(databaseUrl);
  try {
    await sleep(seconds * 1000);
    const kb = peakRssKb(serve.child.pid!);
    if (kb === null) throw new Error('could not read the peak RSS of serve');
    const processed = (await reader.batch(workspaceId, 0)).finished;
    return { rssMb: kb / 1024, processed };
  } finally {
    await reader.close();
    await serve.stop();
  }
}
