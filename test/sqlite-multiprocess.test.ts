import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runCli } from './support/cli.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { tempDir } from './support/test-server.js';

/** Several processes on one SQLite file: the guarantees hold across processes, not just within one. */
describe('SQLite shared by several processes', () => {
  const dir = tempDir('slipway-mp-');
  const databaseUrl = `sqlite:${join(dir.path, 'shared.db')}`;
  const env = { SLIPWAY_DATABASE_URL: databaseUrl };
  let a: SlipwayProcess;
  let b: SlipwayProcess;
  let token: string;

  before(async () => {
    // Two fresh processes migrate the same new file at once.
    const results = await Promise.all([runCli(['migrate'], env), runCli(['migrate'], env)]);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    [a, b] = await Promise.all([
      startSlipwayProcess(['serve', '--port', '0', '--concurrency', '0'], { env }),
      startSlipwayProcess(['serve', '--port', '0', '--concurrency', '0'], { env }),
    ]);
    const printed = [a.output(), b.output()].filter((o) => /SLIPWAY_TOKEN=/.test(o));
    assert.equal(printed.length, 1, 'exactly one process bootstraps the empty database');
    token = /SLIPWAY_TOKEN=(slat_\w+)/.exec(printed[0]!)![1]!;
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    dir.remove();
  });

  it('applied each migration once', () => {
    const db = new Database(join(dir.path, 'shared.db'), { readonly: true });
    const names = db.prepare('SELECT name FROM schema_migrations').pluck().all() as string[];
    db.close();
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.includes('001_initial.sql'));
  });

  it('creates exactly one run for one idempotency key sent to both processes at once', async () => {
    const create = (url: string) =>
      fetch(`${url}/workflow-service/api/public/v1/workflows/hello/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'cross-process' },
        body: JSON.stringify({ inputs: { name: 'x' } }),
      }).then(async (r) => ({ status: r.status, replayed: r.headers.get('idempotent-replayed'), body: (await r.json()) as { run_id: string } }));
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => create(i % 2 === 0 ? a.url : b.url)));
    assert.ok(responses.every((r) => r.status === 202), JSON.stringify(responses.filter((r) => r.status !== 202)));
    assert.equal(new Set(responses.map((r) => r.body.run_id)).size, 1);
    assert.equal(responses.filter((r) => r.replayed === 'true').length, 19);
  });

  it('never overshoots a concurrent limit under a burst split across both processes', async () => {
    const created = await runCli(['workspace', 'create', 'limited', '--concurrent-run-limit', '3', '--json'], env);
    const workspace = JSON.parse(created.stdout);
    const tokenResult = JSON.parse((await runCli(['token', 'create', '--workspace', String(workspace.id), '--name', 't', '--json'], env)).stdout);
    const example = new URL('../examples/hello.yaml', import.meta.url).pathname;
    assert.equal((await runCli(['workflow', 'apply', example, '--workspace', String(workspace.id), '--publish'], env)).code, 0);
    const statuses = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        fetch(`${i % 2 === 0 ? a.url : b.url}/workflow-service/api/public/v1/workflows/hello/runs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokenResult.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: { name: `n${i}` } }),
        }).then((r) => r.status),
      ),
    );
    assert.equal(statuses.filter((s) => s === 202).length, 3);
    assert.equal(statuses.filter((s) => s === 429).length, 21);
    // The limit counters (migration 018) both processes kept agree with the rows.
    const db = new Database(join(dir.path, 'shared.db'), { readonly: true });
    const counted = db.prepare(`SELECT (SELECT n FROM workspace_active_runs WHERE workspace_id = ?) AS active,
      (SELECT sum(n) FROM workspace_daily_runs WHERE workspace_id = ?) AS created,
      (SELECT count(*) FROM runs WHERE workspace_id = ? AND parent_run_id IS NULL AND status IN ('QUEUED', 'STARTING', 'RUNNING')) AS active_rows`).get(workspace.id, workspace.id, workspace.id);
    db.close();
    assert.deepEqual(counted, { active: 3, created: 3, active_rows: 3 });
  });
});
