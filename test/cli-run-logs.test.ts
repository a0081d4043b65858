import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from './support/cli.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

/** `slipway run logs <runId>` (SPEC §17) over HTTP and against the database, on both backends. */
for (const backend of testBackends()) {
  describe(`CLI: slipway run logs [${backend}]`, () => {
    let t: TestServer;
    let peer: HttpPeer;
    let runId: string;
    before(async () => {
      peer = await startHttpPeer((_request, response) => void response.end('ok'));
      t = await startTestServer({ backend, concurrency: 1, env: { SLIPWAY_HTTP_ALLOW_PRIVATE: 'true' } });
      await t.publish(`id: fetch\nname: Fetch\nsteps:\n  - { id: get, type: http, with: { url: "${peer.url}/ok" } }\n`);
      runId = (await t.api('POST', '/workflows/fetch/runs', { body: { inputs: {} } })).body.run_id as string;
      await t.waitForStatus(runId, ['COMPLETED']);
    });
    after(async () => {
      await t.close();
      await peer.close();
    });
    const http = () => ({ SLIPWAY_TOKEN: t.token, SLIPWAY_URL: t.url, SLIPWAY_DATABASE_URL: '' });

    it('prints the http step\'s request line and status, as text and as the API\'s JSON', async () => {
      const text = await runCli(['run', 'logs', runId], http());
      assert.equal(text.code, 0, text.stderr);
      const lines = text.stdout.trim().split('\n');
      assert.equal(lines.length, 2, text.stdout);
      assert.match(lines[0]!, new RegExp(`^#1 \\S+Z info  get\\[1\\] GET ${peer.url}/ok$`));
      assert.match(lines[1]!, /^#2 \S+Z info {2}get\[1\] 200 OK \{"bytes":2\}$/);

      const json = await runCli(['run', 'logs', runId, '--after', '1', '--json'], http());
      assert.equal(json.code, 0, json.stderr);
      const api = await t.api('GET', `/workflow-runs/${runId}/logs?after=1`);
      assert.deepEqual(JSON.parse(json.stdout), api.body);
    });

    it('reads the database with --workspace, and refuses a limit the API would refuse', async () => {
      const local = await runCli(['--database-url', t.databaseUrl, 'run', 'logs', runId, '--workspace', String(t.workspaceId), '--json'], { SLIPWAY_TOKEN: '' });
      assert.equal(local.code, 0, local.stderr);
      assert.deepEqual(JSON.parse(local.stdout), (await t.api('GET', `/workflow-runs/${runId}/logs`)).body);
      const tooMany = await runCli(['run', 'logs', runId, '--limit', '1001'], http());
      assert.notEqual(tooMany.code, 0);
      assert.match(tooMany.stderr, /1 to 1000/);
    });
  });
}
