import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from './support/cli.js';
import { HELLO_WORKFLOW, startTestServer, type TestServer } from './support/test-server.js';

/** `slipway schedule …` over HTTP (SLIPWAY_TOKEN) and against the database (--database-url, --workspace). */
describe('slipway schedule commands', () => {
  let t: TestServer;
  let env: Record<string, string>;
  before(async () => {
    t = await startTestServer({ concurrency: 0 });
    await t.publish(HELLO_WORKFLOW);
    env = { SLIPWAY_URL: t.url, SLIPWAY_TOKEN: t.token };
  });
  after(() => t.close());

  it('creates, lists, pauses, triggers, resumes and deletes over HTTP', async () => {
    const created = await runCli(['schedule', 'create', 'hello', '--cron', '0 6 * * MON-FRI', '--timezone', 'Europe/Berlin', '-i', 'name=Ada', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, /over HTTP/);
    const schedule = JSON.parse(created.stdout);
    assert.equal(schedule.cron, '0 6 * * MON-FRI');
    assert.deepEqual(schedule.inputs, { name: 'Ada' });
    assert.equal(schedule.upcoming.length, 5);

    const listed = await runCli(['schedule', 'list', '--workflow', 'hello'], env);
    assert.match(listed.stdout, new RegExp(`${schedule.schedule_id}\\s+hello\\s+"0 6 \\* \\* MON-FRI" Europe/Berlin\\s+next 20`));
    assert.match((await runCli(['schedule', 'pause', schedule.schedule_id], env)).stdout, /paused/);
    const triggered = await runCli(['schedule', 'trigger', schedule.schedule_id], env);
    assert.match(triggered.stdout, /^fired .*: created \(run [0-9a-f-]{36}\)/);
    assert.match((await runCli(['schedule', 'resume', schedule.schedule_id], env)).stdout, /next 20/);
    assert.match((await runCli(['schedule', 'delete', schedule.schedule_id], env)).stdout, /deleted/);
    assert.equal((await t.api('GET', `/schedules/${schedule.schedule_id}`)).status, 404);
  });

  it('reports validation errors with their details', async () => {
    const bad = await runCli(['schedule', 'create', 'hello', '--cron', '0 6 * *', '-i', 'name=Ada'], env);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /400 invalid_request/);
    assert.match(bad.stderr, /body\.cron: .*4 fields/);
  });

  it('works against the database with --workspace', async () => {
    const local = ['--database-url', t.databaseUrl];
    const created = await runCli([...local, 'schedule', 'create', 'hello', '--cron', '@daily', '-i', 'name=Bo', '--workspace', String(t.workspaceId), '--json'], {});
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, /against the database/);
    const id = JSON.parse(created.stdout).schedule_id;
    const listed = await runCli([...local, 'schedule', 'list', '--workspace', String(t.workspaceId), '--json'], {});
    assert.ok(JSON.parse(listed.stdout).some((s: { schedule_id: string }) => s.schedule_id === id));
    assert.equal((await t.api('GET', `/schedules/${id}`)).body.cron, '@daily', 'the server sees it');
  });
});
