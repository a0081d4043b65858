import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from './support/cli.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { createTestDatabase } from './support/postgres.js';
import { HELLO_WORKFLOW, startTestServer, type TestServer } from './support/test-server.js';

const API = '/workflow-service/api/public/v1';

/** Moving an installation from SQLite to PostgreSQL with `slipway import` (docs/DEPLOYMENT.md). */
describe('slipway import: SQLite → PostgreSQL', () => {
  let sqlite: TestServer;
  let postgresUrl: string;
  let serve: SlipwayProcess | undefined;
  const before_: Record<string, unknown> = {};
  const runIds: string[] = [];

  before(async () => {
    sqlite = await startTestServer({ backend: 'sqlite', concurrency: 1 });
    await sqlite.publish(HELLO_WORKFLOW);
    for (const name of ['Ada', 'Grace']) {
      const created = await sqlite.api('POST', '/workflows/hello/runs', { body: { inputs: { name }, metadata: { z: 1, a: 2 } }, headers: { 'idempotency-key': `key-${name}` } });
      runIds.push(created.body.run_id);
      await sqlite.waitForStatus(created.body.run_id, ['COMPLETED']);
    }
    const schedule = await sqlite.api('POST', '/schedules', { body: { workflow_id: 'hello', cron: '0 6 * * *', timezone: 'Europe/Berlin', inputs: { name: 'Ada' } } });
    await sqlite.api('POST', `/schedules/${schedule.body.schedule_id}/trigger`);
    before_.schedule = (await sqlite.api('GET', '/schedules')).body;
    before_.fires = (await sqlite.api('GET', `/schedules/${schedule.body.schedule_id}/fires`)).body;
    for (const fire of (before_.fires as { data: { run_id: string }[] }).data) await sqlite.waitForStatus(fire.run_id, ['COMPLETED']);
    for (const id of runIds) before_[id] = (await sqlite.api('GET', `/workflow-runs/${id}`)).body;
    before_.workflow = (await sqlite.api('GET', '/workflows/hello')).body;
    assert.equal((await sqlite.api('PATCH', '/workspace', { body: { retention: { failed: '90d' } } })).status, 200);
    before_.workspace = (await sqlite.api('GET', '/workspace')).body;
    await sqlite.server.close(); // stop the old installation, keep its file
    postgresUrl = await createTestDatabase();
  });

  after(async () => {
    await serve?.stop();
    await sqlite.close();
  });

  it('copies everything; tokens, runs and workflows work unchanged on PostgreSQL', async () => {
    const imported = await runCli(['import', '--from', sqlite.databaseUrl, '--json'], { SLIPWAY_DATABASE_URL: postgresUrl });
    assert.equal(imported.code, 0, imported.stderr);
    const counts = JSON.parse(imported.stdout);
    assert.equal(counts.runs, 3);
    assert.equal(counts.schedules, 1);
    assert.equal(counts.schedule_fires, 1);
    assert.equal(counts.workflows, 1);
    assert.ok(counts.step_attempts >= 2);
    assert.equal(counts.deleted_runs, 0, 'the records of deleted runs are copied too (none here)');

    serve = await startSlipwayProcess(['serve', '--port', '0', '--concurrency', '1'], { env: { SLIPWAY_DATABASE_URL: postgresUrl } });
    assert.doesNotMatch(serve.output(), /SLIPWAY_TOKEN=/, 'not an empty database: no new bootstrap');
    const get = async (path: string) => (await fetch(`${serve!.url}${API}${path}`, { headers: { authorization: `Bearer ${sqlite.token}` } })).json();
    for (const id of runIds) assert.deepEqual(await get(`/workflow-runs/${id}`), before_[id]);
    assert.deepEqual(await get('/workflows/hello'), before_.workflow);
    assert.deepEqual(await get('/workspace'), before_.workspace, 'with its retention settings');
    assert.deepEqual(await get('/schedules'), before_.schedule);
    const fires = before_.fires as { data: { run_id: string }[] };
    assert.deepEqual(await get(`/schedules/${(before_.schedule as { data: { schedule_id: string }[] }).data[0]!.schedule_id}/fires`), fires);
    assert.equal(((await get(`/workflow-runs/${fires.data[0]!.run_id}?include=details`)) as { trigger: { type: string } }).trigger.type, 'schedule');

    // The idempotency keys came along, and new runs and workspaces get fresh ids.
    const post = (key: string) =>
      fetch(`${serve!.url}${API}/workflows/hello/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sqlite.token}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ inputs: { name: 'Linus' } }),
      });
    const replay = await post('key-Ada');
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(((await replay.json()) as { run_id: string }).run_id, runIds[0]);
    const fresh = (await (await post('new-key')).json()) as { run_id: string };
    for (let i = 0; i < 200 && (await get(`/workflow-runs/${fresh.run_id}`)).status !== 'COMPLETED'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await get(`/workflow-runs/${fresh.run_id}`)).status, 'COMPLETED');
    const workspace = await runCli(['workspace', 'create', 'after-import', '--json'], { SLIPWAY_DATABASE_URL: postgresUrl });
    assert.equal(workspace.code, 0, workspace.stderr);
    assert.equal(JSON.parse(workspace.stdout).id, sqlite.workspaceId + 1);
  });

  it('refuses to import into a database that is not empty', async () => {
    const again = await runCli(['import', '--from', sqlite.databaseUrl], { SLIPWAY_DATABASE_URL: postgresUrl });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not empty/);
  });
});
