import { BEFORE_CLI, childScript, SLIPWAY_CLI } from '../lib/build.js';
import type { BenchContext } from '../lib/context.js';
import type { Backend } from '../lib/options.js';
import { runJsonChild, sleep } from '../lib/processes.js';
import { ONE_STEP, openRunsReader, prepareDatabase, queueRuns, startWorker, type PreparedDatabase } from '../lib/slipway.js';

export const E2E = '2. end to end';

/** BullMQ's worker concurrency: its fastest fair configuration (issue 10), not the other systems' slot count. */
export const BULLMQ_CONCURRENCY = 16;

/**
 * Queues `runs` one-step runs (through the Store, as the API would), then starts
 * `slipway worker --concurrency C` in its own process and times the batch from its own
 * timestamps: first started_at to last completed_at. Process start-up is not counted.
 */
export async function slipwayBatch(
  ctx: BenchContext, db: PreparedDatabase, runs: number, concurrency: number, profileName: string, env: Record<string, string> = {}, cli = SLIPWAY_CLI,
): Promise<number> {
  const since = await queueRuns(db, ONE_STEP, runs);
  const reader = openRunsReader(db.databaseUrl);
  const worker = await startWorker(db.databaseUrl, concurrency, ctx.slipwayNodeArgs(profileName), env, cli);
  try {
    const deadline = Date.now() + Math.max(120_000, runs * 20);
    for (;;) {
      const batch = await reader.batch(db.workspaceId, since);
      if (batch.finished >= runs) {
        if (batch.failed > 0) throw new Error(`${batch.failed} of ${runs} benchmark runs FAILED`);
        return runs / ((batch.lastEnd! - batch.firstStart!) / 1000);
      }
      if (Date.now() > deadline) throw new Error(`only ${batch.finished} of ${runs} runs finished in time`);
      await sleep(50);
    }
  } finally {
    await worker.stop();
    await reader.close();
  }
}

/**
 * Scenario 2: N runs queued, then workers started; completed runs/s. Baselines in the same
 * rounds: graphile-worker and pg-boss processing N no-op jobs on the same PostgreSQL, BullMQ
 * on redis-server. Every system gets the same number of worker slots.
 */
export async function endToEnd(ctx: BenchContext) {
  const { options, report } = ctx;
  const N = options.runs;
  const C = options.concurrency;
  const slipwayDbs = new Map<Backend, PreparedDatabase>();
  for (const backend of options.backends) {
    const missing = ctx.slipwayMissing[backend];
    if (missing) report.missing(`e2e.${backend}.slipway`, E2E, `Slipway, ${backend}, one-step transform runs`, 'runs/s', missing);
    else slipwayDbs.set(backend, await prepareDatabase(await ctx.newDatabase(backend, 'e2e')));
  }
  const pgUrls = 'missing' in ctx.postgres ? null : { graphile: await ctx.newDatabase('postgres', 'graphile'), pgboss: await ctx.newDatabase('postgres', 'pgboss') };
  const pgBossBatch = Math.max(1, Math.min(50, Math.ceil(N / C)));
  report.settings.e2e = {
    runs: N,
    workerSlots: C,
    slipway: `slipway worker --concurrency ${C}, default poll interval 500 ms (an in-process wake-up or a full claim batch claims again at once)`,
    graphileWorker: `concurrency ${C}, LISTEN/NOTIFY, pollInterval 2000 ms, no localQueue (defaults); jobs added with addJobs before the worker starts`,
    pgBoss: `${C} work() loops × batchSize ${pgBossBatch}, pollingIntervalSeconds 0.5 (the minimum), supervise/schedule off; jobs inserted before the workers start`,
    bullmq: `configured for speed: one Worker with concurrency ${BULLMQ_CONCURRENCY}, jobs added with addBulk (1,000 per call) and removeOnComplete: true before the worker starts`,
  };
  for (let round = 1; round <= options.rounds; round++) {
    for (const [backend, db] of slipwayDbs) {
      const before = async () => {
        if (!options.before) return;
        report.push(`e2e.${backend}.before`, E2E, `Slipway BEFORE (--before), ${backend}, one-step transform runs`, 'runs/s',
          await slipwayBatch(ctx, db, N, C, `e2e-${backend}-before`, {}, BEFORE_CLI));
      };
      // Before and after take turns at going first (the database grows by N runs per batch).
      if (round % 2 === 0) await before();
      report.push(`e2e.${backend}.slipway`, E2E, `Slipway, ${backend}, one-step transform runs`, 'runs/s', await slipwayBatch(ctx, db, N, C, `e2e-${backend}`));
      if (round % 2 === 1) await before();
    }
    if (pgUrls) {
      const g = await runJsonChild<{ rate: number }>(childScript('graphile-worker-bench'), ['process', pgUrls.graphile, String(N), String(C)]);
      report.push('e2e.graphile', E2E, 'graphile-worker 0.17.3, no-op jobs, postgres', 'jobs/s', g.rate);
      const b = await runJsonChild<{ rate: number }>(childScript('pg-boss-bench'), [pgUrls.pgboss, String(N), String(C), String(pgBossBatch)]);
      report.push('e2e.pgboss', E2E, 'pg-boss 10.4.2, no-op jobs, postgres', 'jobs/s', b.rate);
    } else {
      report.missing('e2e.graphile', E2E, 'graphile-worker 0.17.3, no-op jobs, postgres', 'jobs/s', (ctx.postgres as { missing: string }).missing);
    }
    if ('url' in ctx.redis) {
      const q = await runJsonChild<{ rate: number }>(childScript('bullmq-bench'), ['process', ctx.redis.url, String(N), String(BULLMQ_CONCURRENCY)]);
      report.push('e2e.bullmq', E2E, `BullMQ for speed (addBulk, removeOnComplete, 1 Worker × ${BULLMQ_CONCURRENCY}), no-op jobs`, 'jobs/s', q.rate);
    } else {
      report.missing('e2e.bullmq', E2E, `BullMQ for speed (addBulk, removeOnComplete, 1 Worker × ${BULLMQ_CONCURRENCY}), no-op jobs`, 'jobs/s', ctx.redis.missing);
    }
    ctx.log(`e2e: round ${round}/${options.rounds} done`);
  }
}
