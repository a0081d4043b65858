/**
 * Claim throughput and pickup latency of the PostgreSQL store, on a throwaway embedded
 * PostgreSQL (the same one the tests use). Run: `node --import tsx bench/pg-claim.ts`.
 * Options (env): BENCH_RUNS (default 4000), BENCH_WORKERS (8 claim loops over 2 pools),
 * BENCH_BATCH (claim batch size, 10), BENCH_SAMPLES (pickup samples, 200).
 *
 * - throughput: RUNS queued runs, WORKERS claim loops on two stores (two pools, as two
 *   processes would have), each claiming BATCH at a time and finishing every run it got.
 * - pickup latency: one idle worker on a second store sleeps on `onRunsQueued`
 *   (LISTEN/NOTIFY) with a 500 ms poll as the fallback; the time from `createRun`
 *   returning on the first store to the worker holding the run. Then the same with
 *   notifications ignored (polling alone), for comparison.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseDatabaseUrl } from '../src/config/config.js';
import { newRunId, newUuid } from '../src/core/ids.js';
import { openStore } from '../src/server.js';
import type { Store } from '../src/store/store.js';
import { createTestDatabase, startTestPostgres } from '../test/support/postgres.js';
import { leaseOf } from '../src/store/lease-store.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 4000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 8);
const BATCH = Number(process.env.BENCH_BATCH ?? 10);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const POLL_MS = 500;

const cluster = await startTestPostgres();
const target = parseDatabaseUrl(await createTestDatabase(cluster));
const a = await openStore(target);
const b = await openStore(target);
const workspace = await a.createWorkspace({ name: 'bench', organizationId: null, dailyRunLimit: null, concurrentRunLimit: null, now: Date.now() });
await a.applyWorkflow({
  workspaceId: workspace.id, workflowId: 'bench', uuid: newUuid(), publish: true, now: Date.now(),
  fields: { name: 'bench', description: '', categories: [], emoji: '', color: '', readme: '' },
  definition: { id: 'bench', steps: [{ id: 's', type: 'transform', with: { value: 1 } }] },
});

const newRun = (now = Date.now()) => ({
  id: newRunId(), workspaceId: workspace.id, workflowId: 'bench', inputs: { n: 1 }, metadata: null,
  idempotencyKey: null, parentRunId: null, ignoreLimits: false, now, dayStart: 0,
});

// ---- creation (for reference) and claim throughput
let started = performance.now();
for (let i = 0; i < RUNS; i += 50) await Promise.all(Array.from({ length: Math.min(50, RUNS - i) }, (_, j) => (j % 2 ? a : b).createRun(newRun())));
const createSeconds = (performance.now() - started) / 1000;

let claimed = 0;
started = performance.now();
await Promise.all(
  Array.from({ length: WORKERS }, async (_, w) => {
    const store = w % 2 ? a : b;
    const workerId = `bench-${w}`;
    for (;;) {
      const now = Date.now();
      const runs = await store.claimRuns({ workerId, limit: BATCH, leaseMs: 30_000, now, newExecutionId: newUuid });
      if (runs.length === 0) return;
      claimed += runs.length;
      await Promise.all(runs.map((run) => store.finishRun({ lease: leaseOf(run), status: 'COMPLETED', output: 1, error: null, now })));
    }
  }),
);
const claimSeconds = (performance.now() - started) / 1000;
if (claimed !== RUNS) throw new Error(`claimed ${claimed} of ${RUNS}`);

// ---- pickup latency
async function pickup(useNotify: boolean, samples: number): Promise<number[]> {
  const latencies: number[] = [];
  let wake: (() => void) | null = null;
  const unsubscribe = useNotify ? b.onRunsQueued(() => wake?.()) : () => {};
  let createdAt = 0;
  let stop = false;
  const worker = (async () => {
    while (!stop) {
      const runs = await b.claimRuns({ workerId: 'pickup', limit: 1, leaseMs: 30_000, now: Date.now(), newExecutionId: newUuid });
      for (const run of runs) {
        latencies.push(performance.now() - createdAt);
        await b.finishRun({ lease: leaseOf(run), status: 'COMPLETED', output: 1, error: null, now: Date.now() });
      }
      if (runs.length > 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, POLL_MS);
        function done() {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
        wake = done;
      });
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 300)); // the LISTEN connection comes up
  for (let i = 0; i < samples; i++) {
    const before = latencies.length;
    // A gap uniform over one poll interval, so samples land anywhere in the poll cycle.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * POLL_MS));
    const run = newRun();
    await a.createRun(run);
    createdAt = performance.now();
    while (latencies.length === before) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  stop = true;
  (wake as (() => void) | null)?.();
  await worker;
  unsubscribe();
  return latencies;
}

// Store `a` emits in-process too; `b` (another "process") only hears NOTIFY.
const notified = await pickup(true, SAMPLES);
const polled = await pickup(false, Math.ceil(SAMPLES / 2));

const pct = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
const lines = [
  `PostgreSQL store benchmark (${RUNS} runs, ${WORKERS} claim loops over 2 pools, batch ${BATCH})`,
  `  create:  ${(RUNS / createSeconds).toFixed(0)} runs/s (50 concurrent createRun calls)`,
  `  claim+finish throughput: ${(RUNS / claimSeconds).toFixed(0)} runs/s`,
  `  pickup latency, LISTEN/NOTIFY wake (${notified.length} samples): ${fmt(notified)}`,
  `  pickup latency, polling alone every ${POLL_MS} ms (${polled.length} samples): ${fmt(polled)}`,
  `  (machine load average at the end: ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`,
];
process.stdout.write(lines.join('\n') + '\n');

async function close(store: Store) {
  await store.close();
}
await close(a);
await close(b);
await cluster.stop();
