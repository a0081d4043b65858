/**
 * pg-boss@10.4.2 baseline on the benchmark's PostgreSQL, in its own process.
 *   process <url> <jobs> <workers> <batchSize>: inserts N no-op jobs (one `insert` call), then
 *   registers `workers` work() loops; the rate is N over the time from the first batch's start
 *   to every job being recorded completed.
 * pg-boss is poll-bound: each work() loop fetches up to batchSize jobs, then sleeps the rest
 * of its polling interval unless the fetch+process cycle already took longer. Tuned for
 * throughput: pollingIntervalSeconds 0.5 (the minimum pg-boss accepts), batchSize and
 * workers as given, maintenance (supervise/schedule) off during the measurement.
 */
import PgBoss from 'pg-boss';
import pg from 'pg';
import { printResult, sleep } from '../lib/processes.js';

const [connectionString, jobsArg, workersArg, batchArg] = process.argv.slice(2) as [string, string, string, string];
const jobs = Number(jobsArg);
const workers = Number(workersArg);
const batchSize = Number(batchArg);
const pollingIntervalSeconds = 0.5;

const boss = new PgBoss({ connectionString, max: workers + 2, supervise: false, schedule: false });
boss.on('error', (error) => process.stderr.write(`pg-boss: ${String(error)}\n`));
await boss.start();
await boss.createQueue('noop');
for (let i = 0; i < jobs; i += 1000) {
  await boss.insert(Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({ name: 'noop', data: { n: i + k } })));
}
let first = 0;
for (let w = 0; w < workers; w++) {
  await boss.work('noop', { batchSize, pollingIntervalSeconds }, async () => {
    if (first === 0) first = Date.now();
  });
}
const client = new pg.Client({ connectionString });
await client.connect();
while (Number((await client.query(`SELECT count(*) AS n FROM pgboss.job WHERE name = 'noop' AND state <> 'completed'`)).rows[0].n) > 0) await sleep(5);
const end = Date.now();
await client.end();
await boss.stop({ graceful: false, wait: false });
printResult({ rate: jobs / ((end - first) / 1000), jobs, ms: end - first, settings: { workers, batchSize, pollingIntervalSeconds } });
process.exit(0);
