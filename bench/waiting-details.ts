/**
 * What "why is this run waiting?" costs with a long queue (SPEC §12, issue 16): BENCH_QUEUED
 * (default 100,000) QUEUED runs, one live worker on record (so the answer is `queue`, whose
 * position is a bounded index scan), then SAMPLES timed `GET /workflow-runs/{id}?include=details`
 * over real HTTP for a run near the head (position 499), one at the tail (position capped at
 * 1,000) and the plain Slate GET of the tail run for comparison (PostgreSQL: also after ANALYZE). Both backends unless
 * SLIPWAY_TEST_BACKENDS names one. Run: `node --import tsx bench/waiting-details.ts`.
 */
import { loadavg } from 'node:os';
import pg from 'pg';
import { startTestServer, testBackends, type TestServer } from '../test/support/test-server.js';

const QUEUED = Number(process.env.BENCH_QUEUED ?? 100_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 30);
const CHUNK = 1000;

async function timed(app: TestServer, path: string): Promise<{ median: number; p95: number; body: any }> {
  const times: number[] = [];
  let body: unknown = null;
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    body = (await app.api('GET', path)).body;
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, p95: times[Math.floor(times.length * 0.95)]!, body };
}

for (const backend of testBackends()) {
  // No workers in this process (nothing claims), one live worker on record for the queue answer.
  const app = await startTestServer({ backend, concurrency: 0 });
  await app.server.store.recordWorkerHeartbeat({
    workerId: 'bench-worker', host: 'bench', pid: 1, startedAt: Date.now(), lastSeenAt: Date.now(), expiresAt: Date.now() + 3_600_000, concurrency: 4, activeRuns: [],
  }, 0);
  await app.publish('id: hello\nname: Hello\nsteps:\n  - { id: greet, type: transform, with: { value: 1 } }\n');
  const fill = performance.now();
  const ids: string[] = [];
  for (let made = 0; made < QUEUED; made += CHUNK) {
    const outcomes = await app.services.batchRuns.createRuns({ workspaceId: app.workspaceId, workflowId: 'hello', runs: Array.from({ length: Math.min(CHUNK, QUEUED - made) }, () => ({ inputs: {} })) });
    for (const outcome of outcomes) if (outcome.kind === 'created') ids.push(outcome.run.id);
  }
  const fillS = (performance.now() - fill) / 1000;
  const head = await timed(app, `/workflow-runs/${ids[499]}?include=details`);
  const tail = await timed(app, `/workflow-runs/${ids[ids.length - 1]}?include=details`);
  const plain = await timed(app, `/workflow-runs/${ids[ids.length - 1]}`);
  const ms = (n: number) => n.toFixed(1);
  console.log(`[${backend}] ${ids.length} queued (filled in ${fillS.toFixed(0)} s), load ${loadavg()[0]!.toFixed(1)}`);
  console.log(`  details, position ${JSON.stringify(head.body.waiting?.detail)}: median ${ms(head.median)} ms, p95 ${ms(head.p95)} ms`);
  console.log(`  details, position ${JSON.stringify(tail.body.waiting?.detail)}: median ${ms(tail.median)} ms, p95 ${ms(tail.p95)} ms`);
  console.log(`  plain GET (no details): median ${ms(plain.median)} ms, p95 ${ms(plain.p95)} ms`);
  if (backend === 'postgres') {
    // Just filled, the table has no statistics yet, and the planner may prefer a bitmap scan of the
    // whole queue; autovacuum's ANALYZE fixes that in production. Measured again after one.
    const client = new pg.Client({ connectionString: app.databaseUrl });
    await client.connect();
    await client.query('ANALYZE runs');
    await client.end();
    const analyzed = await timed(app, `/workflow-runs/${ids[ids.length - 1]}?include=details`);
    console.log(`  after ANALYZE, details, position ${JSON.stringify(analyzed.body.waiting?.detail)}: median ${ms(analyzed.median)} ms, p95 ${ms(analyzed.p95)} ms`);
  }
  await app.close();
}
process.exit(0);
