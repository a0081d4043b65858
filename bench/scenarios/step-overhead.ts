import { BEFORE_CLI, SLIPWAY_CLI } from '../lib/build.js';
import type { BenchContext } from '../lib/context.js';
import type { Backend } from '../lib/options.js';
import { sleep } from '../lib/processes.js';
import { CHAIN, CHAIN_LENGTH, CREATE_BODY, ONE_STEP, openRunsReader, prepareDatabase, runsUrl, startServe, type PreparedDatabase } from '../lib/slipway.js';
import { median } from '../lib/stats.js';

export const STEPS = '4. step overhead';

/**
 * Scenario 4: runs of a 20-step transform chain and of a one-step workflow, one at a time on
 * `serve --concurrency 1`. Engine overhead per step = (median 20-step run − median one-step
 * run) / 19, from the runs' own started_at / completed_at: what each further step costs
 * (checkpoint writes, expression evaluation, scheduling), start and finish excluded.
 */
export async function stepOverhead(ctx: BenchContext) {
  const { options, report } = ctx;
  const variants = [{ key: '', label: 'Slipway', cli: SLIPWAY_CLI }, ...(options.before ? [{ key: '.before', label: 'Slipway BEFORE (--before)', cli: BEFORE_CLI }] : [])];
  for (const backend of options.backends) {
    const missing = ctx.slipwayMissing[backend];
    if (missing) {
      report.missing(`steps.${backend}.per-step`, STEPS, `Slipway, ${backend}: engine overhead per step`, 'ms', missing);
      continue;
    }
    const db = await prepareDatabase(await ctx.newDatabase(backend, 'steps'));
    for (const variant of variants) await stepOverheadOf(ctx, backend, db, variant);
  }
  report.settings.steps = { runsPerRound: options.stepRuns, chainLength: CHAIN_LENGTH, server: 'slipway serve --concurrency 1' };
}

async function stepOverheadOf(ctx: BenchContext, backend: Backend, db: PreparedDatabase, variant: { key: string; label: string; cli: string }) {
  const { options, report } = ctx;
  {
    const serve = await startServe(db.databaseUrl, 1, { SLIPWAY_POLL_INTERVAL: '500ms' }, ctx.slipwayNodeArgs(`steps-${backend}${variant.key}`), variant.cli);
    const reader = openRunsReader(db.databaseUrl);
    const headers = { authorization: `Bearer ${db.token}`, 'content-type': 'application/json' };
    const runOnce = async (workflowId: string): Promise<number> => {
      const response = await fetch(runsUrl(serve.url, workflowId), { method: 'POST', headers, body: CREATE_BODY });
      if (response.status !== 202) throw new Error(`create answered ${response.status}`);
      const id = ((await response.json()) as { run_id: string }).run_id;
      const deadline = Date.now() + 30_000;
      for (;;) {
        const t = (await reader.times([id])).get(id);
        if (t?.completedAt != null && t.startedAt != null) return t.completedAt - t.startedAt;
        if (Date.now() > deadline) throw new Error(`run ${id} of ${workflowId} did not finish in 30 s`);
        await sleep(5);
      }
    };
    try {
      await runOnce(CHAIN); // warm-up
      for (let round = 1; round <= options.rounds; round++) {
        const chain: number[] = [];
        const single: number[] = [];
        for (let i = 0; i < options.stepRuns; i++) {
          chain.push(await runOnce(CHAIN));
          single.push(await runOnce(ONE_STEP));
        }
        const perStep = (median(chain) - median(single)) / (CHAIN_LENGTH - 1);
        report.push(`steps.${backend}${variant.key}.per-step`, STEPS, `${variant.label}, ${backend}: engine overhead per step`, 'ms', perStep);
        report.push(`steps.${backend}${variant.key}.chain`, STEPS, `${variant.label}, ${backend}: ${CHAIN_LENGTH}-step run, STARTING → COMPLETED`, 'ms', median(chain));
        report.push(`steps.${backend}${variant.key}.single`, STEPS, `${variant.label}, ${backend}: one-step run, STARTING → COMPLETED`, 'ms', median(single));
      }
      ctx.log(`steps: ${backend}${variant.key} done`);
    } finally {
      await reader.close();
      await serve.stop();
    }
  }
}
