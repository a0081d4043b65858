import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { runCli } from './support/cli.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { createTestDatabase } from './support/postgres.js';
import { tempDir } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

const RUNS = 300;
const API = '/workflow-service/api/public/v1';

/** A run that holds its worker for a moment between two steps, so a kill catches runs mid-flight. */
const WORKFLOW = `
id: mp
name: Multi-process
inputs:
  - { variableName: n, type: integer, required: true }
steps:
  - { id: first, type: transform, with: { value: "{{ inputs.n }}" } }
  - { id: pause, type: delay, with: { duration: 150ms } }
  - { id: last, type: transform, with: { value: "{{ steps.first.output * 2 }}" } }
output: "{{ steps.last.output }}"
`;

/**
 * Issue 4's crash test: two `slipway serve` processes and one `slipway worker` on one
 * PostgreSQL database; runs are created through both APIs; the worker is killed with
 * SIGKILL while it holds runs. Every run must complete, and none twice: triggers that
 * exist only in this test database log every transition to a terminal state and every
 * step completion, so a second completion would show up as a second row.
 */
describe('PostgreSQL shared by several processes, one killed with SIGKILL', () => {
  const dir = tempDir('slipway-pg-mp-');
  let databaseUrl: string;
  let env: Record<string, string>;
  let db: pg.Client;
  let a: SlipwayProcess;
  let b: SlipwayProcess;
  let worker: SlipwayProcess;
  let token: string;

  before(async () => {
    databaseUrl = await createTestDatabase();
    // Short leases so the dead worker's runs are taken over quickly; polling every 200 ms
    // (NOTIFY wakes idle workers sooner).
    env = { SLIPWAY_DATABASE_URL: databaseUrl, SLIPWAY_LEASE_TIMEOUT: '2s', SLIPWAY_POLL_INTERVAL: '200ms' };
    // Several processes migrate the same empty database at once.
    const migrations = await Promise.all([runCli(['migrate'], env), runCli(['migrate'], env), runCli(['migrate'], env)]);
    for (const r of migrations) assert.equal(r.code, 0, r.stderr);
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query(`
      CREATE TABLE audit_finishes (run_id text NOT NULL, status text NOT NULL);
      CREATE FUNCTION audit_finish() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO audit_finishes VALUES (NEW.id, NEW.status); RETURN NEW; END $$;
      CREATE TRIGGER audit_finish AFTER UPDATE ON runs FOR EACH ROW
        WHEN (NEW.status IN ('COMPLETED', 'FAILED')) EXECUTE FUNCTION audit_finish();
      CREATE TABLE audit_steps (run_id text NOT NULL, step_id text NOT NULL);
      CREATE FUNCTION audit_step() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO audit_steps VALUES (NEW.run_id, NEW.step_id); RETURN NEW; END $$;
      CREATE TRIGGER audit_step AFTER INSERT OR UPDATE ON step_attempts FOR EACH ROW
        WHEN (NEW.status = 'COMPLETED') EXECUTE FUNCTION audit_step();
    `);
    [a, b, worker] = await Promise.all([
      startSlipwayProcess(['serve', '--port', '0', '--concurrency', '2'], { env }),
      startSlipwayProcess(['serve', '--port', '0', '--concurrency', '2'], { env }),
      startSlipwayProcess(['worker', '--concurrency', '4'], { env }),
    ]);
    const printed = [a.output(), b.output()].filter((o) => /SLIPWAY_TOKEN=/.test(o));
    assert.equal(printed.length, 1, 'exactly one process bootstraps the empty database');
    token = /SLIPWAY_TOKEN=(slat_\w+)/.exec(printed[0]!)![1]!;
    const file = join(dir.path, 'mp.yaml');
    writeFileSync(file, WORKFLOW);
    const applied = await runCli(['workflow', 'apply', file, '--workspace', '1', '--publish'], env);
    assert.equal(applied.code, 0, applied.stderr);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop(), worker?.child.exitCode === null ? worker.stop() : undefined]);
    await db?.end();
    dir.remove();
  });

  it('applied each migration once', async () => {
    const names = (await db.query('SELECT name FROM schema_migrations ORDER BY name')).rows.map((r) => r.name as string);
    assert.deepEqual(names, [...new Set(names)]);
    assert.ok(names.includes('001_initial.sql'));
  });

  it('completes every run exactly once after a worker is SIGKILLed mid-run', async (t) => {
    const workerId = /worker (\S+) running/.exec(worker.output())![1]!;
    const ids: string[] = [];
    for (let batch = 0; batch < RUNS; batch += 20) {
      const created = await Promise.all(
        Array.from({ length: Math.min(20, RUNS - batch) }, (_, i) => {
          const n = batch + i;
          return post(n % 2 === 0 ? a.url : b.url, `/workflows/mp/runs`, { inputs: { n } });
        }),
      );
      for (const response of created) {
        assert.equal(response.status, 202, JSON.stringify(response.body));
        ids.push(response.body.run_id);
      }
    }
    assert.equal(new Set(ids).size, RUNS);

    // Kill the worker while it holds runs, once a good part of the work is done.
    const held = await waitFor(async () => {
      const { rows } = await db.query(
        `SELECT (SELECT count(*) FROM runs WHERE status = 'COMPLETED')::int AS done,
                array(SELECT json_build_object('id', id, 'claims', claim_count) FROM runs WHERE lease_owner = $1) AS held`,
        [workerId],
      );
      return rows[0].done >= RUNS / 3 && rows[0].held.length > 0 ? (rows[0].held as { id: string; claims: number }[]) : null;
    }, { timeoutMs: 120_000, what: 'a third of the runs done while the worker holds some' });
    worker.child.kill('SIGKILL');
    await new Promise((resolve) => worker.child.once('exit', resolve));
    // What the dead worker still held (it may have finished one in the moment before the kill).
    const orphaned = (await db.query('SELECT id, claim_count FROM runs WHERE lease_owner = $1', [workerId])).rows as { id: string; claim_count: number }[];

    await waitFor(async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM runs WHERE status IN ('COMPLETED', 'FAILED', 'CANCELED')`);
      return rows[0].n === RUNS ? true : null;
    }, { timeoutMs: 180_000, what: 'every run finished' });

    const runs = (await db.query('SELECT id, status, output::text AS output, claim_count FROM runs')).rows;
    assert.equal(runs.length, RUNS);
    const byId = new Map(runs.map((r) => [r.id as string, r]));
    for (const [n, id] of ids.entries()) {
      const run = byId.get(id)!;
      assert.equal(run.status, 'COMPLETED', `run ${id}`);
      assert.equal(JSON.parse(run.output), n * 2);
    }
    const finishes = (await db.query('SELECT run_id, count(*)::int AS n FROM audit_finishes GROUP BY run_id')).rows;
    assert.equal(finishes.length, RUNS);
    assert.ok(finishes.every((f) => f.n === 1), `runs finished twice: ${JSON.stringify(finishes.filter((f) => f.n !== 1))}`);
    const steps = (await db.query('SELECT run_id, step_id, count(*)::int AS n FROM audit_steps GROUP BY run_id, step_id')).rows;
    assert.equal(steps.length, RUNS * 3);
    assert.ok(steps.every((s) => s.n === 1), `steps completed twice: ${JSON.stringify(steps.filter((s) => s.n !== 1))}`);
    // The runs the dead worker held were taken over by the serve processes once their leases expired.
    for (const { id, claim_count } of orphaned) {
      assert.ok(Number(byId.get(id)!.claim_count) > Number(claim_count), `run ${id}, held by the killed worker, was not claimed again`);
    }
    // The limit counters (migration 018), kept by three processes and a kill -9, agree with the rows.
    const counters = (await db.query(`SELECT w.id,
        (SELECT COALESCE(sum(n), 0)::int FROM workspace_active_runs c WHERE c.workspace_id = w.id) AS active,
        (SELECT count(*)::int FROM runs r WHERE r.workspace_id = w.id AND r.parent_run_id IS NULL AND r.status IN ('QUEUED', 'STARTING', 'RUNNING')) AS active_rows,
        (SELECT COALESCE(sum(n), 0)::int FROM workspace_daily_runs c WHERE c.workspace_id = w.id) AS created,
        (SELECT count(*)::int FROM runs r WHERE r.workspace_id = w.id AND r.parent_run_id IS NULL) AS created_rows
      FROM workspaces w`)).rows as { active: number; active_rows: number; created: number; created_rows: number }[];
    for (const c of counters) assert.deepEqual([c.active, c.created], [c.active_rows, c.created_rows], JSON.stringify(c));
    assert.equal(counters.reduce((sum, c) => sum + c.created, 0), RUNS);
    t.diagnostic(`killed the worker while it held ${held.length} runs; ${orphaned.length} were orphaned, taken over and completed`);

    // Both APIs see the same finished runs.
    for (const id of ids.slice(0, 10)) {
      const [viaA, viaB] = await Promise.all([get(a.url, `/workflow-runs/${id}`), get(b.url, `/workflow-runs/${id}`)]);
      assert.equal(viaA.body.status, 'COMPLETED');
      assert.deepEqual(viaA.body, viaB.body);
    }
  });

  async function post(base: string, path: string, body: unknown) {
    const response = await fetch(`${base}${API}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  async function get(base: string, path: string) {
    const response = await fetch(`${base}${API}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as any };
  }
});

