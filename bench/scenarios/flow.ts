import { parseDatabaseUrl } from '../../src/config/config.js';
import { newRunId, newUuid } from '../../src/core/ids.js';
import { openStore } from '../../src/server.js';
import type { NewRun, Store } from '../../src/store/store.js';
import { leaseOf } from '../../src/store/lease-store.js';
import type { BenchContext } from '../lib/context.js';

export const FLOW = '9. flow control';

/** Store-level settings of one flow-control measurement. */
export interface FlowMeasureOptions {
  runs: number;
  /** Claim loops, over two stores (two pools / connections) on the database. */
  workers: number;
  /** Runs per claim. */
  batch: number;
  /** Which flow-control options the "on" runs carry (default all three: the scenario's "on"). */
  features?: readonly FlowFeature[];
}

/** One of the flow-control options of a run "on": a priority (0–59 s), a ttl (1 h), one of 100 concurrency keys (limit 5). */
export type FlowFeature = 'priority' | 'ttl' | 'key';
export const FLOW_FEATURES: readonly FlowFeature[] = ['priority', 'ttl', 'key'];

/**
 * Create and claim throughput of one database (SPEC §12, issue 16), at the store level: `runs`
 * creates, 50 at a time over two stores, then `workers` claim loops that claim and finish until
 * every run is done. Flow control on: every run has a priority, a ttl and one of 100
 * concurrency keys with limit 5 (or only the `features` named); off: plain runs.
 */
export async function measureFlowControl(databaseUrl: string, flowOn: boolean, options: FlowMeasureOptions) {
  const a: Store = await openStore(parseDatabaseUrl(databaseUrl));
  const b: Store = await openStore(parseDatabaseUrl(databaseUrl));
  try {
    const workspace = await a.createWorkspace({ name: 'bench', organizationId: null, dailyRunLimit: null, concurrentRunLimit: null, now: Date.now() });
    await a.applyWorkflow({
      workspaceId: workspace.id, workflowId: 'bench', uuid: newUuid(), publish: true, now: Date.now(),
      fields: { name: 'bench', description: '', categories: [], emoji: '', color: '', readme: '' },
      definition: { id: 'bench', steps: [{ id: 's', type: 'transform', with: { value: 1 } }] },
    });
    const features = new Set(options.features ?? FLOW_FEATURES);
    const flowOf = (n: number) => ({
      priority: features.has('priority') ? (n * 7) % 60 : 0,
      notBefore: null,
      ttlMs: features.has('ttl') ? 3_600_000 : null,
      concurrency: features.has('key') ? { key: `customer-${(n + 1) % 100}`, limit: 5 } : null,
    });
    let n = 0;
    const newRun = (now = Date.now()): NewRun => ({
      id: newRunId(), workspaceId: workspace.id, workflowId: 'bench', inputs: { n: 1 }, metadata: null,
      idempotencyKey: null, parentRunId: null, ignoreLimits: false, now, dayStart: 0,
      ...(flowOn ? { flow: flowOf(n++) } : {}),
    });
    const { runs, workers, batch } = options;
    let started = performance.now();
    for (let i = 0; i < runs; i += 50) await Promise.all(Array.from({ length: Math.min(50, runs - i) }, (_, j) => (j % 2 ? a : b).createRun(newRun())));
    const createSeconds = (performance.now() - started) / 1000;
    let claimed = 0;
    started = performance.now();
    await Promise.all(Array.from({ length: workers }, async (_, w) => {
      const store = w % 2 ? a : b;
      let idle = 0;
      while (claimed < runs && idle < 200) {
        const now = Date.now();
        const claimedRuns = await store.claimRuns({ workerId: `bench-${w}`, limit: batch, leaseMs: 30_000, now, newExecutionId: newUuid });
        if (claimedRuns.length === 0) {
          idle += 1;
          await new Promise((resolve) => setTimeout(resolve, 2));
          continue;
        }
        idle = 0;
        claimed += claimedRuns.length;
        await Promise.all(claimedRuns.map((run) => store.finishRun({ lease: leaseOf(run), status: 'COMPLETED', output: 1, error: null, now })));
      }
    }));
    const claimSeconds = (performance.now() - started) / 1000;
    if (claimed !== runs) throw new Error(`claimed ${claimed} of ${runs}`);
    return { createsPerSecond: runs / createSeconds, claimsPerSecond: runs / claimSeconds };
  } finally {
    await a.close();
    await b.close();
  }
}

/**
 * Scenario 9 (issue 16): what flow control costs creates and claims. Per backend and round, a
 * fresh database with flow control off, then one with it on (`flow.<backend>.<create|claim>.<off|on>.rps`);
 * the ratios on / off are the "within 10 %".
 */
export async function flowScenario(ctx: BenchContext) {
  const { options, report } = ctx;
  const measure: FlowMeasureOptions = { runs: options.smoke ? 100 : 2000, workers: 4, batch: 10 };
  report.settings.flow = { ...measure, on: 'priority, ttl and one of 100 concurrency keys (limit 5) on every run', level: 'store (no HTTP, no engine)' };
  for (const backend of options.backends) {
    const label = (what: string, mode: string) => `${what}, ${backend}, store level, flow control ${mode}`;
    const missing = ctx.slipwayMissing[backend];
    if (missing) {
      for (const what of ['create', 'claim']) for (const mode of ['off', 'on']) report.missing(`flow.${backend}.${what}.${mode}.rps`, FLOW, label(what, mode), 'runs/s', missing);
      continue;
    }
    for (let round = 1; round <= options.rounds; round++) {
      for (const mode of ['off', 'on'] as const) {
        const result = await measureFlowControl(await ctx.newDatabase(backend, `flow-${mode}`), mode === 'on', measure);
        report.push(`flow.${backend}.create.${mode}.rps`, FLOW, label('create', mode), 'runs/s', result.createsPerSecond);
        report.push(`flow.${backend}.claim.${mode}.rps`, FLOW, label('claim + finish', mode), 'runs/s', result.claimsPerSecond);
      }
    }
    ctx.log(`flow: ${backend} done`);
  }
}
