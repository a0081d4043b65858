/**
 * graphile-worker@0.17.3 baseline on the benchmark's PostgreSQL, in its own process.
 *   process <url> <jobs> <concurrency>: adds N no-op jobs (addJobs, 1,000 per call), then starts
 *     the worker; the rate is N over the time from the first job's start to the job table being empty.
 *   latency <url> <samples> <gapMs>: one job at a time on an idle worker; add → start times.
 * Settings are graphile-worker's defaults except `concurrency` (LISTEN/NOTIFY wakes the
 * worker; pollInterval 2 s only matters for jobs scheduled in the future).
 */
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import pg from 'pg';
import { printResult, sleep } from '../lib/processes.js';

const [mode, connectionString, countArg, thirdArg] = process.argv.slice(2) as [string, string, string, string];
const logger = new Logger(() => () => {});
const utils = await makeWorkerUtils({ connectionString, logger });
await utils.migrate();

if (mode === 'process') {
  const jobs = Number(countArg);
  const concurrency = Number(thirdArg);
  for (let i = 0; i < jobs; i += 1000) {
    await utils.addJobs(Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({ identifier: 'noop', payload: { n: i + k } })));
  }
  let done = 0;
  let first = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const runner = await run({
    connectionString, concurrency, noHandleSignals: true, pollInterval: 2000, logger,
    taskList: {
      noop: async () => {
        if (first === 0) first = Date.now();
        if (++done === jobs) allDone();
      },
    },
  });
  await finished;
  // Completed = removed from the job table, as graphile-worker records completion.
  const client = new pg.Client({ connectionString });
  await client.connect();
  while (Number((await client.query('SELECT count(*) AS n FROM graphile_worker._private_jobs')).rows[0].n) > 0) await sleep(5);
  const end = Date.now();
  await client.end();
  await runner.stop();
  await utils.release();
  printResult({ rate: jobs / ((end - first) / 1000), jobs, ms: end - first, settings: { concurrency, pollInterval: 2000, localQueue: 'off (default)', completeJobBatchDelay: 'default' } });
} else {
  const samples = Number(countArg);
  const gapMs = Number(thirdArg);
  const starts = new Map<number, number>();
  let onStart: (() => void) | null = null;
  const runner = await run({
    connectionString, concurrency: 1, noHandleSignals: true, pollInterval: 2000, logger,
    taskList: {
      ping: async (payload) => {
        starts.set((payload as { i: number }).i, Date.now());
        onStart?.();
      },
    },
  });
  await sleep(200);
  const addToStart: number[] = [];
  const ackToStart: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = new Promise<void>((resolve) => (onStart = resolve));
    const before = Date.now();
    await utils.addJob('ping', { i });
    const acked = Date.now();
    await started;
    const at = starts.get(i)!;
    addToStart.push(at - before);
    ackToStart.push(at - acked);
    await sleep(gapMs);
  }
  await runner.stop();
  await utils.release();
  printResult({ addToStart, ackToStart });
}
process.exit(0);
