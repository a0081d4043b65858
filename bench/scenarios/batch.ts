import type { BenchContext } from '../lib/context.js';
import { ONE_STEP, prepareDatabase, runsUrl, startServe } from '../lib/slipway.js';

export const BATCH = '7. batch create';

/** Items per request: SPEC §15's maximum. */
export const BATCH_SIZE = 1000;

/**
 * Scenario 7 (issue 10): POST /workflows/{id}/runs/batch with 1,000 runs per request against
 * `serve --concurrency 0`, `batchClients` requests in flight, for `seconds`; runs created per
 * second (every item must come back created).
 */
export async function batchScenario(ctx: BenchContext) {
  const { options, report } = ctx;
  const clients = 2;
  report.settings.batch = { itemsPerRequest: BATCH_SIZE, requestsInFlight: clients, server: 'slipway serve --concurrency 0' };
  const body = JSON.stringify({ runs: Array.from({ length: BATCH_SIZE }, (_, i) => ({ inputs: { name: `b${i}` } })) });
  for (const backend of options.backends) {
    const label = `Slipway POST /runs/batch (${BATCH_SIZE} per request), ${backend}`;
    const missing = ctx.slipwayMissing[backend];
    if (missing) {
      report.missing(`batch.${backend}.rps`, BATCH, label, 'runs/s', missing);
      continue;
    }
    const db = await prepareDatabase(await ctx.newDatabase(backend, 'batch'));
    const serve = await startServe(db.databaseUrl, 0, {}, ctx.slipwayNodeArgs(`batch-${backend}`));
    const url = `${runsUrl(serve.url, ONE_STEP)}/batch`;
    const headers = { authorization: `Bearer ${db.token}`, 'content-type': 'application/json' };
    const post = async (): Promise<number> => {
      const response = await fetch(url, { method: 'POST', headers, body });
      const answer = (await response.json()) as { data?: Array<{ run_id?: string }> };
      const created = answer.data?.filter((item) => item.run_id !== undefined).length ?? 0;
      if (response.status !== 200 || created !== BATCH_SIZE) throw new Error(`batch answered ${response.status} with ${created} of ${BATCH_SIZE} created`);
      return created;
    };
    const timed = async (seconds: number): Promise<number> => {
      const started = Date.now();
      const until = started + seconds * 1000;
      let created = 0;
      await Promise.all(Array.from({ length: clients }, async () => {
        while (Date.now() < until) created += await post();
      }));
      return created / ((Date.now() - started) / 1000);
    };
    try {
      if (!options.smoke) await timed(2);
      for (let round = 1; round <= options.rounds; round++) report.push(`batch.${backend}.rps`, BATCH, label, 'runs/s', await timed(options.seconds));
      ctx.log(`batch: ${backend} done`);
    } finally {
      await serve.stop();
    }
  }
}
