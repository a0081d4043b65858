/**
 * Flow control's cost (SPEC §12, issue 16) by itself, without the rest of `npm run bench`
 * (where it is scenario `flow`): store-level create and claim throughput with flow control off
 * (plain runs) and on (every run with a priority, a ttl and a concurrency key among 100 keys,
 * limit 5), on SQLite and PostgreSQL. Run: `node --import tsx bench/flow-control.ts`.
 * Options (env): BENCH_RUNS (default 2000 per mode), BENCH_WORKERS (4 claim loops over two
 * stores), BENCH_BATCH (claim batch, 10), BENCH_BACKENDS, BENCH_FLOW (the options "on" runs carry, a
 * comma-separated subset of priority,ttl,key: default all three, as scenario 9). Prints one JSON
 * line per backend and mode.
 */
import { loadavg } from 'node:os';
import { freshDatabase } from '../test/support/test-server.js';
import { FLOW_FEATURES, type FlowFeature, measureFlowControl } from './scenarios/flow.js';

const features = (process.env.BENCH_FLOW ?? FLOW_FEATURES.join(',')).split(',') as FlowFeature[];
const unknown = features.filter((feature) => !FLOW_FEATURES.includes(feature));
if (unknown.length > 0) throw new Error(`BENCH_FLOW: unknown ${unknown.join(', ')} (known: ${FLOW_FEATURES.join(', ')})`);
const options = { runs: Number(process.env.BENCH_RUNS ?? 2000), workers: Number(process.env.BENCH_WORKERS ?? 4), batch: Number(process.env.BENCH_BATCH ?? 10), features };

for (const backend of (process.env.BENCH_BACKENDS ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[]) {
  for (const flowOn of [false, true, false, true]) {
    const { databaseUrl, remove } = await freshDatabase(backend);
    const result = await measureFlowControl(databaseUrl, flowOn, options);
    remove();
    console.log(JSON.stringify({ backend, flow: flowOn ? 'on' : 'off', features: flowOn ? features.join('+') : null, runs: options.runs, createsPerSecond: Math.round(result.createsPerSecond),
      claimsPerSecond: Math.round(result.claimsPerSecond), load: loadavg()[0]!.toFixed(1) }));
  }
}
process.exit(0);
