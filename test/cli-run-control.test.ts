import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from './support/cli.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const NAP = `
id: nap
name: Nap
steps:
  - { id: sleep, type: delay, with: { duration: 1h } }
`;

describe('CLI: slipway run replay|abort, slipway runs bulk', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ concurrency: 0 }); // runs stay QUEUED
    await t.publish(NAP);
  });
  after(() => t.close());

  const http = () => ({ SLIPWAY_TOKEN: t.token, SLIPWAY_URL: t.url, SLIPWAY_DATABASE_URL: '' });
  const create = async () => (await t.api('POST', '/workflows/nap/runs', { body: { inputs: {} } })).body.run_id as string;

  it('aborts a queued run over HTTP, then replays it, against the database too', async () => {
    const runId = await create();
    const aborted = await runCli(['run', 'abort', runId, '--json'], http());
    assert.equal(aborted.code, 0, aborted.stderr);
    assert.deepEqual(JSON.parse(aborted.stdout), { run_id: runId, status: 'CANCELED' });
    const again = await runCli(['run', 'abort', runId], http());
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /ended|not_abortable/);

    const replayed = await runCli(['run', 'replay', runId, '--json'], http());
    assert.equal(replayed.code, 0, replayed.stderr);
    const replay = JSON.parse(replayed.stdout);
    assert.notEqual(replay.run_id, runId);
    const details = await t.api('GET', `/workflow-runs/${replay.run_id}?include=details`);
    assert.deepEqual(details.body.replayed_from, { run_id: runId, from_step: null });

    const local = await runCli(['--database-url', t.databaseUrl, 'run', 'abort', replay.run_id, '--workspace', String(t.workspaceId)], { SLIPWAY_TOKEN: '' });
    assert.equal(local.code, 0, local.stderr);
    assert.match(local.stdout, new RegExp(`${replay.run_id} CANCELED`));
  });

  it('counts with --dry-run and cancels in bulk', async () => {
    const ids = [await create(), await create()];
    const dry = await runCli(['runs', 'bulk', 'cancel', '--run-id', ids[0]!, '--run-id', ids[1]!, '--dry-run', '--json'], http());
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(JSON.parse(dry.stdout), { matched: 2, affected: 0, refused: 0 });
    const done = await runCli(['runs', 'bulk', 'cancel', '--run-id', ids[0]!, '--run-id', ids[1]!], http());
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /matched 2, affected 2, refused 0/);
    for (const id of ids) assert.equal((await t.api('GET', `/workflow-runs/${id}`)).body.status, 'CANCELED');
  });
});
