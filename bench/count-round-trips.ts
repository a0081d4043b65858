/**
 * Counts the statements (round trips) and commits Slipway sends to PostgreSQL per run
 * (issue 10's method: "count round trips per run"). Starts the tests' PostgreSQL, queues
 * `--runs` one-step runs, runs an in-process `slipway worker --concurrency C` until they
 * are done, and prints the statements per run grouped by their first words, and the CPU time
 * per run of this process and of the PostgreSQL cluster (from /proc, Linux).
 *
 *   node --import tsx bench/count-round-trips.ts [runs=200] [concurrency=10] [workflow=bench-one]
 */
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { loadConfig } from '../src/config/config.js';
import { startSlipway } from '../src/server.js';
import { createTestDatabase } from '../test/support/postgres.js';
import { ONE_STEP, openRunsReader, prepareDatabase, queueRuns } from './lib/slipway.js';
import { sleep } from './lib/processes.js';

const runs = Number(process.argv[2] ?? 200);
const concurrency = Number(process.argv[3] ?? 10);
const workflowId = process.argv[4] ?? ONE_STEP;

const counts = new Map<string, number>();
const millis = new Map<string, number>();
let counting = false;
const original = pg.Client.prototype.query;
// Every statement a pg client sends goes through Client#query (pool.query included).
pg.Client.prototype.query = function countingQuery(this: pg.Client, ...args: unknown[]) {
  if (!counting) return (original as (...a: unknown[]) => unknown).apply(this, args);
  const first = args[0];
  const text = typeof first === 'string' ? first : (first as { text?: string } | null)?.text ?? '?';
  const words = text.replace(/\s+/g, ' ').trim().split(' ').slice(0, 6).join(' ');
  counts.set(words, (counts.get(words) ?? 0) + 1);
  const started = performance.now();
  const took = () => millis.set(words, (millis.get(words) ?? 0) + performance.now() - started);
  const last = args[args.length - 1];
  if (typeof last === 'function') {
    args[args.length - 1] = (...results: unknown[]) => {
      took();
      return (last as (...r: unknown[]) => unknown)(...results);
    };
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  }
  const result = (original as (...a: unknown[]) => unknown).apply(this, args);
  if (result instanceof Promise) void result.then(took, took);
  return result;
} as typeof original;

/** CPU time (ms) of the PostgreSQL cluster on `port`: its postmaster and every child, from /proc (Linux). */
function postgresCpuMs(port: string): number | null {
  const stats = new Map<string, string[]>();
  let postmaster: string | null = null;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      stats.set(pid, stat.slice(stat.lastIndexOf(')') + 2).split(' '));
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args.some((arg) => arg.endsWith('postgres')) && args.includes('-p') && args.includes(port)) postmaster = pid;
    } catch {
      // A process that ended meanwhile.
    }
  }
  if (postmaster === null) return null;
  let ticks = 0;
  for (const [pid, fields] of stats) {
    if (pid === postmaster || fields[1] === postmaster) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks * 10;
}

const databaseUrl = await createTestDatabase();
const port = new URL(databaseUrl).port;
const db = await prepareDatabase(databaseUrl);
const since = await queueRuns(db, workflowId, runs);
const config = loadConfig({ databaseUrl, concurrency }, { SLIPWAY_LOG_LEVEL: 'warn', ...(process.env.SLIPWAY_DATABASE_POOL_SIZE ? { SLIPWAY_DATABASE_POOL_SIZE: process.env.SLIPWAY_DATABASE_POOL_SIZE } : {}) });
counting = true;
const postgresCpuBefore = postgresCpuMs(port);
const nodeCpuBefore = process.cpuUsage();
const started = Date.now();
const server = await startSlipway({ config, http: false, logger: false, examplesDir: null, webRoot: null });
const reader = openRunsReader(databaseUrl);
for (;;) {
  const batch = await reader.batch(db.workspaceId, since);
  if (batch.finished >= runs) {
    console.log(`${runs} runs in ${Date.now() - started} ms (${(runs / ((batch.lastEnd! - batch.firstStart!) / 1000)).toFixed(0)} runs/s from the runs' own times)`);
    break;
  }
  await sleep(20);
}
counting = false;
const nodeCpu = process.cpuUsage(nodeCpuBefore);
const postgresCpuAfter = postgresCpuMs(port);
// How busy the slots were: the runs' own execution time against the span times the slots.
const probe = new pg.Client({ connectionString: databaseUrl });
await probe.connect();
const { rows } = await probe.query(
  `SELECT sum(completed_at - started_at)::float AS busy, percentile_cont(0.5) WITHIN GROUP (ORDER BY completed_at - started_at) AS p50,
     max(completed_at) - min(started_at) AS span FROM runs WHERE workspace_id = $1`, [db.workspaceId]);
await probe.end();
const { busy, p50, span } = rows[0] as { busy: number; p50: number; span: string };
console.log(`run STARTING → COMPLETED p50 ${p50} ms; slots busy ${((100 * busy) / (Number(span) * concurrency)).toFixed(0)} % of ${span} ms × ${concurrency}`);
await server.close();
await reader.close();
const total = [...counts.values()].reduce((a, b) => a + b, 0);
console.log(`CPU per run: this process (worker and the reader polling for the end) ${((nodeCpu.user + nodeCpu.system) / 1000 / runs).toFixed(3)} ms, PostgreSQL ${
  postgresCpuBefore === null || postgresCpuAfter === null ? 'not found in /proc' : `${((postgresCpuAfter - postgresCpuBefore) / runs).toFixed(3)} ms`}`);
console.log(`statements per run: ${(total / runs).toFixed(2)}; commits per run: ${(((counts.get('COMMIT') ?? 0) + 0) / runs).toFixed(2)} explicit`);
for (const [words, n] of [...counts].sort((a, b) => b[1] - a[1])) {
  console.log(`${(n / runs).toFixed(2).padStart(7)} per run, ${((millis.get(words) ?? 0) / n).toFixed(1).padStart(6)} ms each  ${words}`);
}
process.exit(0);
