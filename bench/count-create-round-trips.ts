/**
 * Counts the statements (round trips) Slipway sends to PostgreSQL per `POST …/runs` (issue 10's
 * method, for the create path). Starts the tests' PostgreSQL and an in-process `slipway serve
 * --concurrency 0`, sends `requests` creates over loopback HTTP (`connections` in flight) and
 * prints the statements per create grouped by their first words.
 *
 *   node --import tsx bench/count-create-round-trips.ts [requests=2000] [connections=10] [limits]
 *
 * `limits`: the workspace has daily and concurrent limits (as scenario 6's, never reached), so
 * creates take the group-commit path; it also prints how many creates each chunk carried.
 */
import pg from 'pg';
import { loadConfig } from '../src/config/config.js';
import { startSlipway } from '../src/server.js';
import { createTestDatabase } from '../test/support/postgres.js';
import { CREATE_BODY, ONE_STEP, prepareDatabase, runsUrl } from './lib/slipway.js';

const requests = Number(process.argv[2] ?? 2000);
const connections = Number(process.argv[3] ?? 10);
const limited = process.argv[4] === 'limits';

const counts = new Map<string, number>();
let counting = false;
const original = pg.Client.prototype.query;
// Every statement a pg client sends goes through Client#query (pool.query included).
pg.Client.prototype.query = function countingQuery(this: pg.Client, ...args: unknown[]) {
  if (counting) {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: string } | null)?.text ?? '?';
    const words = text.replace(/\s+/g, ' ').trim().split(' ').slice(0, 6).join(' ');
    counts.set(words, (counts.get(words) ?? 0) + 1);
  }
  return (original as (...a: unknown[]) => unknown).apply(this, args);
} as typeof original;

const databaseUrl = await createTestDatabase();
const db = await prepareDatabase(databaseUrl, limited ? { daily: 100_000_000, concurrent: 100_000_000 } : undefined);
const config = loadConfig({ databaseUrl, concurrency: 0, host: '127.0.0.1', port: 0 }, { SLIPWAY_LOG_LEVEL: 'warn' });
const server = await startSlipway({ config, http: true, logger: false, examplesDir: null, webRoot: null });
const url = runsUrl(server.url!, ONE_STEP);
const send = async () => {
  const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${db.token}`, 'content-type': 'application/json' }, body: CREATE_BODY });
  if (response.status !== 202) throw new Error(`create answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
};
for (let i = 0; i < 50; i++) await send(); // warm-up: caches, the pool's connections
counting = true;
const started = performance.now();
let next = 0;
await Promise.all(Array.from({ length: connections }, async () => {
  while (next++ < requests) await send();
}));
const ms = performance.now() - started;
counting = false;
await server.close();
const total = [...counts.values()].reduce((a, b) => a + b, 0);
console.log(`${requests} creates in ${ms.toFixed(0)} ms (${((requests * 1000) / ms).toFixed(0)}/s, ${connections} in flight); statements per create: ${(total / requests).toFixed(2)}`);
for (const [words, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`${(n / requests).toFixed(3).padStart(7)} per create  ${words}`);
process.exit(0);
