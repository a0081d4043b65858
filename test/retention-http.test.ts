import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from './support/cli.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { freshDatabase, testBackends } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

const HELLO = fileURLToPath(new URL('../examples/hello.yaml', import.meta.url));
const PREFIX = '/workflow-service/api/public/v1';

/**
 * Retention end to end (SPEC §17): a `serve` and a `worker` process on one database, both
 * sweeping every 300 ms; the settings set with `slipway workspace update`, runs created and
 * replayed over HTTP.
 */
for (const backend of testBackends()) {
  describe(`Retention through the CLI, HTTP and two sweeping processes [${backend}]`, () => {
    let env: Record<string, string>;
    let removeDatabase: () => void;
    let serve: SlipwayProcess;
    let worker: SlipwayProcess;
    let workspaceId: number;
    let token: string;

    const api = async (method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) => {
      const response = await fetch(`${serve.url}${path.startsWith('/workflow-service') ? '' : PREFIX}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
    };
    const cli = async (args: string[], extraEnv: Record<string, string> = {}) => {
      const result = await runCli(args, { ...env, ...extraEnv });
      assert.equal(result.code, 0, result.stderr);
      return result.stdout;
    };

    before(async () => {
      const database = await freshDatabase(backend);
      removeDatabase = database.remove;
      env = { SLIPWAY_DATABASE_URL: database.databaseUrl, SLIPWAY_RETENTION_INTERVAL: '300ms', SLIPWAY_POLL_INTERVAL: '50ms' };
      serve = await startSlipwayProcess(['serve', '--port', '0', '--concurrency', '2'], { env });
      worker = await startSlipwayProcess(['worker', '--concurrency', '2'], { env });
      workspaceId = JSON.parse(await cli(['workspace', 'create', 'kept-briefly', '--daily-run-limit', '3', '--json'])).id;
      token = JSON.parse(await cli(['token', 'create', '--workspace', String(workspaceId), '--name', 'test', '--json'])).token;
      await cli(['workflow', 'apply', HELLO, '--workspace', String(workspaceId), '--publish']);
    });
    after(async () => {
      await Promise.all([serve?.stop(), worker?.stop()]);
      removeDatabase?.();
    });

    it('sets retention with `slipway workspace update` (database and HTTP) and shows it over the API', async () => {
      const initial = await api('GET', '/workspace');
      assert.equal(initial.status, 200);
      assert.deepEqual(initial.body.retention, { completed: null, failed: null, canceled: null }, 'kept forever by default');

      const local = JSON.parse(await cli(['workspace', 'update', String(workspaceId), '--retention-completed', '1s', '--retention-failed', '90d', '--json']));
      assert.deepEqual(local.retention, { completed: '1s', failed: '90d', canceled: null });
      const remote = await cli(['workspace', 'update', String(workspaceId), '--retention-canceled', '168h', '--retention-failed', 'forever'], { SLIPWAY_TOKEN: token, SLIPWAY_URL: serve.url });
      assert.match(remote, /keeps completed runs 1s, failed runs forever, canceled runs 7d/);
      assert.deepEqual((await api('GET', '/workspace')).body.retention, { completed: '1s', failed: null, canceled: '7d' });

      const bad = await api('PATCH', '/workspace', { body: { retention: { completed: 'soon' } } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error, 'invalid_request');
      assert.equal(bad.body.details[0].path, 'body.retention.completed');
      const cleared = await api('PATCH', '/workspace', { body: { retention: { canceled: null } } });
      assert.deepEqual(cleared.body.retention, { completed: '1s', failed: null, canceled: null }, 'null: forever again');
      const unknown = await api('PATCH', '/workspace', { body: { retention: { running: '1d' } } });
      assert.equal(unknown.status, 400);
    });

    it('deletes completed runs after 1 s; a replayed key answers 202 with the deleted run, and the day still counts it', async () => {
      const first = await api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'Ada' } }, headers: { 'idempotency-key': 'order-1' } });
      const second = await api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'Bob' } } });
      assert.equal(first.status, 202);
      assert.equal(second.status, 202);
      const runIds = [first.body.run_id as string, second.body.run_id as string];
      const logsBefore = await api('GET', `/workflow-runs/${runIds[0]}/logs`);
      assert.equal(logsBefore.status, 200);
      // Each run completes and is then deleted by one of the two sweeping processes.
      for (const runId of runIds) {
        await waitFor(async () => (await api('GET', `/workflow-runs/${runId}`)).status === 404, { what: `run ${runId} is deleted`, timeoutMs: 60_000, intervalMs: 100 });
      }
      assert.equal((await api('GET', `/workflow-runs/${runIds[0]}/steps`)).status, 404);

      const replay = await api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'Ada' } }, headers: { 'idempotency-key': 'order-1' } });
      assert.equal(replay.status, 202);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      assert.equal(replay.body.run_id, runIds[0]);
      assert.equal(replay.body.status, 'COMPLETED');
      assert.equal((await api('GET', replay.body.status_url)).status, 404, 'its status_url answers 404');
      const waited = await api('POST', '/workflows/hello/runs?wait=5', { body: { inputs: { name: 'Ada' } }, headers: { 'idempotency-key': 'order-1' } });
      assert.equal(waited.status, 202, 'a replay of a deleted run does not wait');

      const third = await api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'Cy' } } });
      assert.equal(third.status, 202, 'the third run of the day');
      const fourth = await api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'Di' } } });
      assert.equal(fourth.status, 429, 'the two deleted runs still count for today');
      assert.equal(fourth.body.error, 'daily_run_limit_exceeded');
      assert.ok(worker.child.exitCode === null && serve.child.exitCode === null, 'both processes still run');
      assert.doesNotMatch(serve.output() + worker.output(), /retention sweeper error/);
    });
  });
}
