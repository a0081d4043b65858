import { BEFORE_CLI, childScript } from '../lib/build.js';
import type { BenchContext } from '../lib/context.js';
import type { Backend } from '../lib/options.js';
import { runJsonChild, spawnNode } from '../lib/processes.js';
import { CREATE_BODY, ONE_STEP, prepareDatabase, runsUrl, startServe } from '../lib/slipway.js';

export const CREATE = '1. create';

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
}

/** One timed HTTP load from its own process; fails loudly when any request failed. */
export async function httpLoad(url: string, token: string | undefined, connections: number, seconds: number): Promise<LoadResult> {
  const result = await runJsonChild<LoadResult>(childScript('http-load'), [JSON.stringify({ url, token, body: CREATE_BODY, connections, seconds })]);
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`load on ${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  return result;
}

/** A process this scenario started and stops at the end. */
interface Stoppable {
  stop(): Promise<unknown>;
}

interface Target {
  key: string;
  label: string;
  url: string;
  token?: string;
}

/**
 * Scenario 1: POST /workflows/{id}/runs against `serve --concurrency 0` (the API alone), fixed
 * connections; beside it, in the same rounds, the bare node:http + INSERT baseline on the same
 * database engine and BullMQ's one-at-a-time `add` on redis-server.
 */
export async function createThroughput(ctx: BenchContext) {
  const { options, report } = ctx;
  const targets: Target[] = [];
  const children: Stoppable[] = [];
  try {
    for (const backend of options.backends) {
      await addTargets(ctx, backend, targets, children);
    }
    if (!options.smoke) {
      ctx.log(`create: warming up ${targets.length} servers (3 s each, not counted)`);
      for (const t of targets) await httpLoad(t.url, t.token, options.connections, 3);
    }
    const redis = ctx.redis;
    for (let round = 1; round <= options.rounds; round++) {
      for (const t of targets) {
        const r = await httpLoad(t.url, t.token, options.connections, options.seconds);
        report.push(`${t.key}.rps`, CREATE, `${t.label}: throughput`, 'req/s', r.rps);
        report.push(`${t.key}.p50`, CREATE, `${t.label}: p50 latency`, 'ms', r.p50);
        report.push(`${t.key}.p99`, CREATE, `${t.label}: p99 latency`, 'ms', r.p99);
      }
      if ('url' in redis) {
        const r = await runJsonChild<{ rate: number }>(childScript('bullmq-bench'), ['add', redis.url, String(options.seconds)]);
        report.push('create.bullmq.add.rps', CREATE, 'BullMQ queue.add, one at a time (1 client)', 'adds/s', r.rate);
      } else {
        report.missing('create.bullmq.add.rps', CREATE, 'BullMQ queue.add, one at a time (1 client)', 'adds/s', redis.missing);
      }
      ctx.log(`create: round ${round}/${options.rounds} done`);
    }
  } finally {
    for (const child of children) await child.stop();
  }
}

async function addTargets(ctx: BenchContext, backend: Backend, targets: Target[], children: Stoppable[]) {
  const { report } = ctx;
  const slipwayKey = `create.${backend}.slipway`;
  const slipwayLabel = `Slipway POST /runs, ${backend}`;
  const missing = ctx.slipwayMissing[backend];
  if (missing) {
    for (const m of ['throughput', 'p50 latency', 'p99 latency']) report.missing(`${slipwayKey}.${m === 'throughput' ? 'rps' : m.slice(0, 3)}`, CREATE, `${slipwayLabel}: ${m}`, m === 'throughput' ? 'req/s' : 'ms', missing);
  } else {
    const db = await prepareDatabase(await ctx.newDatabase(backend, 'create'));
    const serve = await startServe(db.databaseUrl, 0, {}, ctx.slipwayNodeArgs(`create-${backend}`));
    children.push(serve);
    targets.push({ key: slipwayKey, label: slipwayLabel, url: runsUrl(serve.url, ONE_STEP), token: db.token });
    if (ctx.options.before) {
      // The --before checkout on a database of its own, in the same rounds (before/after of one run).
      const beforeDb = await prepareDatabase(await ctx.newDatabase(backend, 'create-before'));
      const before = await startServe(beforeDb.databaseUrl, 0, {}, ctx.slipwayNodeArgs(`create-${backend}-before`), BEFORE_CLI);
      children.push(before);
      targets.push({ key: `create.${backend}.before`, label: `Slipway BEFORE (--before) POST /runs, ${backend}`, url: runsUrl(before.url, ONE_STEP), token: beforeDb.token });
    }
  }
  const bareKey = `create.${backend}.bare`;
  const bareLabel = `bare node:http + INSERT, ${backend}`;
  if (backend === 'postgres' && 'missing' in ctx.postgres) {
    report.missing(`${bareKey}.rps`, CREATE, `${bareLabel}: throughput`, 'req/s', ctx.postgres.missing);
    return;
  }
  const bareDbUrl = await ctx.newDatabase(backend, 'bare');
  // The same schema as Slipway's (its migrations) when that backend is built; see the child for the fallback.
  const workspaceId = missing ? 1 : (await prepareDatabase(bareDbUrl)).workspaceId;
  const bare = spawnNode(childScript('bare-insert-server'), [bareDbUrl, String(workspaceId)]);
  children.push(bare);
  const match = await bare.waitFor(/listening on (http:\/\/[\d.]+:\d+)/);
  targets.push({ key: bareKey, label: bareLabel, url: runsUrl(match[1]!, ONE_STEP) });
}
