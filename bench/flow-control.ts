/**
 * Flow control's cost (SPEC §12, issue 16): store-level create and claim throughput with flow
 * control off (plain runs) and on (every run with a priority, a ttl and a concurrency key among
 * 100 keys, limit 5), on SQLite and PostgreSQL. Run: `node --import tsx bench/flow-control.ts`.
 * Options (env): BENCH_RUNS (default 2000 per mode), BENCH_WORKERS (4 claim loops over two
 * stores), BENCH_BATCH (claim batch, 10). Prints one JSON line per backend and mode.
 */
import { loadavg } from 'node:os';
import { parseDatabaseUrl } from '../src/config/config.js';
import { newRunId, newUuid } from '../src/core/ids.js';
import { openStore } from '../src/server.js';
import type { NewRun, Store } from '../src/store/store.js';
import { leaseOf } from '../src/store/lease-store.js';
import { freshDatabase } from '../test/support/test-server.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 2000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 4);
const BATCH = Number(process.env.BENCH_BATCH ?? 10);

async function measure(backend: 'sqlite' | 'postgres', flowOn: boolean) {
  const { databaseUrl, remove } = await freshDatabase(backend);
  const a: Store = await openStore(parseDatabaseUrl(databaseUrl));
  const b: Store = await openStore(parseDatabaseUrl(databaseUrl));
  const workspace = await a.createWorkspace({ name: 'bench', organizationId: null, dailyRunLimit: null, concurrentRunLimit: null, now: Date.now() });
  await a.applyWorkflow({
    workspaceId: workspace.id, workflowId: 'bench', uuid: newUuid(), publish: true, now: Date.now(),
    fields: { name: 'bench', description: '', categories: [], emoji: '', color: '', readme: '' },
    definition: { id: 'bench', steps: [{ id: 's', type: 'transform', with: { value: 1 } }] },
  });
  let n = 0;
  const newRun = (now = Date.now()): NewRun => ({
    id: newRunId(), workspaceId: workspace.id, workflowId: 'bench', inputs: { n: 1 }, metadata: null,
    idempotencyKey: null, parentRunId: null, ignoreLimits: false, now, dayStart: 0,
    ...(flowOn ? { flow: { priority: (n++ * 7) % 60, notBefore: null, ttlMs: 3_600_000, concurrency: { key: `customer-${n % 100}`, limit: 5 } } } : {}),
  });
  let started = performance.now();
  for (let i = 0; i < RUNS; i += 50) await Promise.all(Array.from({ length: Math.min(50, RUNS - i) }, (_, j) => (j % 2 ? a : b).createRun(newRun())));
  const createSeconds = (performance.now() - started) / 1000;
  let claimed = 0;
  started = performance.now();
  await Promise.all(Array.from({ length: WORKERS }, async (_, w) => {
    const store = w % 2 ? a : b;
    let idle = 0;
    while (claimed < RUNS && idle < 200) {
      const now = Date.now();
      const runs = await store.claimRuns({ workerId: `bench-${w}`, limit: BATCH, leaseMs: 30_000, now, newExecutionId: newUuid });
      if (runs.length === 0) {
        idle += 1;
        await new Promise((resolve) => setTimeout(resolve, 2));
        continue;
      }
      idle = 0;
      claimed += runs.length;
      await Promise.all(runs.map((run) => store.finishRun({ lease: leaseOf(run), status: 'COMPLETED', output: 1, error: null, now })));
    }
  }));
  const claimSeconds = (performance.now() - started) / 1000;
  await a.close();
  await b.close();
  remove();
  if (claimed !== RUNS) throw new Error(`claimed ${claimed} of ${RUNS}`);
  return { backend, flow: flowOn ? 'on' : 'off', runs: RUNS, createsPerSecond: Math.round(RUNS / createSeconds), claimsPerSecond: Math.round(RUNS / claimSeconds), load: loadavg()[0]!.toFixed(1) };
}

for (const backend of (process.env.BENCH_BACKENDS ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[]) {
  for (const flowOn of [false, true, false, true]) console.log(JSON.stringify(await measure(backend, flowOn)));
}
process.exit(0);
