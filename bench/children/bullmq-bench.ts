/**
 * BullMQ baseline on the benchmark's redis-server, in its own process.
 *   add <redisUrl> <seconds>: one-at-a-time `queue.add` (each awaited) for the given time; adds/s.
 *   process <redisUrl> <jobs> <concurrency>: adds N no-op jobs (addBulk, 1,000 per call), then
 *   starts one Worker; the rate is N over the time from the first job's start to the N-th
 *   `completed` event. Configured for speed (issue 10: the fair fastest configuration):
 *   `removeOnComplete: true` (no completed-job bookkeeping in redis) and the concurrency the
 *   harness passes (16).
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { printResult } from '../lib/processes.js';

const [mode, redisUrl, countArg, thirdArg] = process.argv.slice(2) as [string, string, string, string];
// BullMQ 6 takes an ioredis client (its peer dependency); workers need maxRetriesPerRequest null.
const connect = () => new Redis(redisUrl, { maxRetriesPerRequest: null });
const connection = connect();
const name = `bench-${process.pid}`;
const queue = new Queue(name, { connection });

if (mode === 'add') {
  const seconds = Number(countArg);
  const until = Date.now() + seconds * 1000;
  const start = Date.now();
  let added = 0;
  while (Date.now() < until) {
    await queue.add('noop', { n: added });
    added++;
  }
  printResult({ rate: added / ((Date.now() - start) / 1000), added });
} else {
  const jobs = Number(countArg);
  const concurrency = Number(thirdArg);
  for (let i = 0; i < jobs; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({ name: 'noop', data: { n: i + k }, opts: { removeOnComplete: true } })));
  }
  let first = 0;
  let done = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const worker = new Worker(name, async () => {
    if (first === 0) first = Date.now();
  }, { connection: connect(), concurrency });
  worker.on('completed', () => {
    if (++done === jobs) allDone();
  });
  await finished;
  const end = Date.now();
  await worker.close();
  printResult({ rate: jobs / ((end - first) / 1000), jobs, ms: end - first, settings: { concurrency, removeOnComplete: true, addBulk: 1000 } });
}
await queue.obliterate({ force: true });
await queue.close();
process.exit(0);
