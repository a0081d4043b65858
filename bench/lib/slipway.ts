import Database from 'better-sqlite3';
import pg from 'pg';
import { parseDatabaseUrl } from '../../src/config/config.js';
import { startOfUtcDay, systemClock } from '../../src/core/clock.js';
import { newRunId } from '../../src/core/ids.js';
import { createServices, openStore } from '../../src/server.js';
import { SLIPWAY_CLI } from './build.js';
import { startSlipwayProcess, type SlipwayProcess, type SlipwayProcessOptions } from '../../test/support/slipway-process.js';
import { ROOT } from './processes.js';

/** The workflows the benchmark runs: one transform step, and a chain of 20. */
export const ONE_STEP = 'bench-one';
export const CHAIN = 'bench-chain';
export const CHAIN_LENGTH = 20;

const ONE_STEP_YAML = `
id: ${ONE_STEP}
name: Bench, one step
inputs:
  - { variableName: name, type: text, required: true }
steps:
  - id: greet
    type: transform
    with: { value: "Hello, {{ inputs.name }}" }
`;

const CHAIN_YAML = `
id: ${CHAIN}
name: Bench, ${CHAIN_LENGTH}-step chain
inputs:
  - { variableName: name, type: text, required: true }
steps:
  - { id: s1, type: transform, with: { value: 1 } }
${Array.from({ length: CHAIN_LENGTH - 1 }, (_, i) => `  - { id: s${i + 2}, type: transform, with: { value: "{{ steps.s${i + 1}.output + 1 }}" } }`).join('\n')}
`;

/** The body every create request sends. */
export const CREATE_BODY = JSON.stringify({ inputs: { name: 'bench' } });

export interface PreparedDatabase {
  databaseUrl: string;
  workspaceId: number;
  token: string;
}

/**
 * Migrates a database and sets up what the benchmark needs through the service layer
 * (a workspace, without limits unless given, a token, the two workflows published), as an
 * admin would. Called twice on one database, it makes two workspaces.
 */
export async function prepareDatabase(databaseUrl: string, limits: { daily: number | null; concurrent: number | null } = { daily: null, concurrent: null }): Promise<PreparedDatabase> {
  const store = await openStore(parseDatabaseUrl(databaseUrl));
  try {
    const services = createServices(store, systemClock);
    const workspace = await store.createWorkspace({ name: 'bench', organizationId: null, dailyRunLimit: limits.daily, concurrentRunLimit: limits.concurrent, now: Date.now() });
    const { token } = await services.tokens.createToken({ workspaceId: workspace.id, name: 'bench', expires: 'never', createdBy: 'bench' });
    for (const text of [ONE_STEP_YAML, CHAIN_YAML]) await services.workflows.applyWorkflow({ workspaceId: workspace.id, text, publish: true });
    return { databaseUrl, workspaceId: workspace.id, token };
  } finally {
    await store.close();
  }
}

/** Queues `count` runs through the Store (as the API would, without HTTP); returns the time just before. */
export async function queueRuns(db: PreparedDatabase, workflowId: string, count: number): Promise<number> {
  const store = await openStore(parseDatabaseUrl(db.databaseUrl));
  const before = Date.now();
  try {
    for (let i = 0; i < count; i++) {
      const now = Date.now();
      const result = await store.createRun({
        id: newRunId(), workspaceId: db.workspaceId, workflowId, inputs: { name: `n${i}` }, metadata: null,
        idempotencyKey: null, parentRunId: null, ignoreLimits: false, now, dayStart: startOfUtcDay(now),
      });
      if (result.kind !== 'created') throw new Error(`queueing a run answered ${result.kind}`);
    }
  } finally {
    await store.close();
  }
  return before;
}

/** How the benchmark runs Slipway: the compiled CLI (see build.ts), from the repository root, through the tests' one process helper. */
function slipwayOptions(env: Record<string, string>, nodeArgs: string[], cli: string): SlipwayProcessOptions {
  return { entry: cli, cwd: ROOT, env, nodeArgs };
}

/** Starts `slipway serve` (compiled by buildSlipway) in its own process on a free loopback port; its URL is in `url`. */
export function startServe(databaseUrl: string, concurrency: number, env: Record<string, string> = {}, nodeArgs: string[] = [], cli = SLIPWAY_CLI): Promise<SlipwayProcess> {
  const args = ['--database-url', databaseUrl, 'serve', '--host', '127.0.0.1', '--port', '0', '--concurrency', String(concurrency)];
  return startSlipwayProcess(args, slipwayOptions(env, nodeArgs, cli));
}

/** Starts `slipway worker` (no HTTP) in its own process. */
export function startWorker(databaseUrl: string, concurrency: number, nodeArgs: string[] = [], env: Record<string, string> = {}, cli = SLIPWAY_CLI): Promise<SlipwayProcess> {
  return startSlipwayProcess(['--database-url', databaseUrl, 'worker', '--concurrency', String(concurrency)], slipwayOptions(env, nodeArgs, cli));
}

export const runsUrl = (url: string, workflowId: string) => `${url}/workflow-service/api/public/v1/workflows/${workflowId}/runs`;

/** Read-only access to the runs table, to time runs from their own timestamps. */
export interface RunsReader {
  /** The workspace's runs created at or after `since`: how many, how many finished, and the span of their execution. */
  batch(workspaceId: number, since: number): Promise<{ total: number; finished: number; failed: number; firstStart: number | null; lastEnd: number | null }>;
  /** started_at / completed_at of the given runs. */
  times(ids: string[]): Promise<Map<string, { startedAt: number | null; completedAt: number | null }>>;
  close(): Promise<void>;
}

const BATCH_SQL = `SELECT count(*) AS total,
    sum(CASE WHEN status IN ('COMPLETED', 'FAILED') THEN 1 ELSE 0 END) AS finished,
    sum(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END) AS failed,
    min(started_at) AS first_start, max(completed_at) AS last_end
  FROM runs WHERE workspace_id = $workspace AND created_at >= $since`;

export function openRunsReader(databaseUrl: string): RunsReader {
  const target = parseDatabaseUrl(databaseUrl);
  const shape = (row: Record<string, unknown>) => ({
    total: Number(row.total ?? 0),
    finished: Number(row.finished ?? 0),
    failed: Number(row.failed ?? 0),
    firstStart: row.first_start === null ? null : Number(row.first_start),
    lastEnd: row.last_end === null ? null : Number(row.last_end),
  });
  if (target.kind === 'sqlite') {
    const db = new Database(target.path, { readonly: true });
    db.pragma('busy_timeout = 10000');
    // workspace_id first, so the (workspace_id, created_at) index serves it even with a million runs.
    const batch = db.prepare(BATCH_SQL.replace('$workspace', '?').replace('$since', '?'));
    return {
      async batch(workspaceId, since) {
        return shape(batch.get(workspaceId, since) as Record<string, unknown>);
      },
      async times(ids) {
        const out = new Map<string, { startedAt: number | null; completedAt: number | null }>();
        const one = db.prepare('SELECT started_at, completed_at FROM runs WHERE id = ?');
        for (const id of ids) {
          const row = one.get(id) as { started_at: number | null; completed_at: number | null } | undefined;
          if (row) out.set(id, { startedAt: row.started_at, completedAt: row.completed_at });
        }
        return out;
      },
      async close() {
        db.close();
      },
    };
  }
  const pool = new pg.Pool({ connectionString: target.url, max: 1 });
  // Times are epoch milliseconds in both schemas.
  const ms = (column: string) => column;
  return {
    async batch(workspaceId, since) {
      const { rows } = await pool.query(
        `SELECT count(*) AS total,
           sum(CASE WHEN status IN ('COMPLETED', 'FAILED') THEN 1 ELSE 0 END) AS finished,
           sum(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END) AS failed,
           min(${ms('started_at')}) AS first_start, max(${ms('completed_at')}) AS last_end
         FROM runs WHERE workspace_id = $1 AND ${ms('created_at')} >= $2`,
        [workspaceId, since],
      );
      return shape(rows[0]);
    },
    async times(ids) {
      const { rows } = await pool.query(`SELECT id, ${ms('started_at')} AS started_at, ${ms('completed_at')} AS completed_at FROM runs WHERE id = ANY($1)`, [ids]);
      return new Map(rows.map((r) => [String(r.id), { startedAt: r.started_at === null ? null : Number(r.started_at), completedAt: r.completed_at === null ? null : Number(r.completed_at) }]));
    },
    async close() {
      await pool.end();
    },
  };
}
