/**
 * Counts and times the SQLite statements Slipway runs per one-step run (the SQLite side of
 * bench/count-round-trips.ts): queues `runs` one-step runs in a fresh SQLite file, runs an
 * in-process worker with `slots` slots until they are done, and prints the statements per run
 * with their time (better-sqlite3's Statement#run/get/all wrapped; transactions' BEGIN, SAVEPOINT,
 * RELEASE and COMMIT appear as better-sqlite3 issues them).
 *
 *   node --import tsx bench/count-statements-sqlite.ts [runs=3000] [slots=10]
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { startSlipway } from '../src/server.js';
import { ONE_STEP, openRunsReader, prepareDatabase, queueRuns } from './lib/slipway.js';
import { sleep } from './lib/processes.js';

const runs = Number(process.argv[2] ?? 3000);
const slots = Number(process.argv[3] ?? 10);
const counts = new Map<string, number>();
const micros = new Map<string, number>();
let counting = false;

const probe = new Database(':memory:');
const statementPrototype = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, (...args: unknown[]) => unknown>;
probe.close();
for (const method of ['run', 'get', 'all']) {
  const original = statementPrototype[method]!;
  statementPrototype[method] = function timed(this: { source: string }, ...args: unknown[]) {
    if (!counting) return original.apply(this, args);
    const words = this.source.replace(/\s+/g, ' ').trim().slice(0, 90);
    const started = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      micros.set(words, (micros.get(words) ?? 0) + (performance.now() - started) * 1000);
      counts.set(words, (counts.get(words) ?? 0) + 1);
    }
  };
}

const dir = mkdtempSync(join(tmpdir(), 'slipway-count-'));
const databaseUrl = `sqlite:${join(dir, 'slipway.db')}`;
const db = await prepareDatabase(databaseUrl);
const since = await queueRuns(db, ONE_STEP, runs);
const config = loadConfig({ databaseUrl, concurrency: slots }, { SLIPWAY_LOG_LEVEL: 'warn' });
counting = true;
const server = await startSlipway({ config, http: false, logger: false, examplesDir: null, webRoot: null });
const reader = openRunsReader(databaseUrl);
for (;;) {
  const batch = await reader.batch(db.workspaceId, since);
  if (batch.finished >= runs) {
    console.log(`${runs} runs: ${(runs / ((batch.lastEnd! - batch.firstStart!) / 1000)).toFixed(0)} runs/s from the runs' own times (${batch.failed} failed)`);
    break;
  }
  await sleep(20);
}
counting = false;
await server.close();
await reader.close();
rmSync(dir, { recursive: true, force: true });
// The reader's own polling statement is not the worker's.
for (const words of [...counts.keys()]) if (words.startsWith('SELECT count(*) AS total')) { counts.delete(words); micros.delete(words); }
const total = [...counts.values()].reduce((a, b) => a + b, 0);
const totalMicros = [...micros.values()].reduce((a, b) => a + b, 0);
console.log(`statements per run: ${(total / runs).toFixed(2)}, ${(totalMicros / runs).toFixed(0)} µs of statements per run`);
for (const [words, n] of [...counts].sort((a, b) => micros.get(b[0])! - micros.get(a[0])!)) {
  if (n / runs < 0.01) continue;
  console.log(`${(n / runs).toFixed(2).padStart(6)} per run ${(micros.get(words)! / n).toFixed(1).padStart(7)} µs each  ${words}`);
}
process.exit(0);
