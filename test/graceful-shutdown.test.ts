import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runCli } from './support/cli.js';
import { startSlipwayProcess } from './support/slipway-process.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { tempDir } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

/**
 * SIGTERM (SPEC §6, STYLE principle 12): stop claiming, let the in-flight step finish,
 * release the run's lease; another process then resumes it after the finished step.
 */
describe('graceful shutdown', () => {
  const dir = tempDir('slipway-shutdown-');
  const file = join(dir.path, 'shutdown.db');
  const env = { SLIPWAY_DATABASE_URL: `sqlite:${file}`, SLIPWAY_HTTP_ALLOW_PRIVATE: 'true', SLIPWAY_POLL_INTERVAL: '50ms', SLIPWAY_SHUTDOWN_GRACE: '20s' };
  let peer: HttpPeer;
  let releaseSlowAnswer: () => void = () => {};

  before(async () => {
    peer = await startHttpPeer(async (request, response) => {
      if (request.path === '/slow') await new Promise<void>((resolve) => (releaseSlowAnswer = resolve));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ path: request.path }));
    });
  });
  after(async () => {
    await peer.close();
    dir.remove();
  });

  it('finishes the in-flight step, releases the run, and another process completes it without redoing the step', async () => {
    const serve = await startSlipwayProcess(['serve', '--port', '0', '--concurrency', '1'], { env });
    const token = /SLIPWAY_TOKEN=(slat_\w+)/.exec(serve.output())![1]!;
    const workflow = join(dir.path, 'two-calls.yaml');
    writeFileSync(workflow, `
id: two-calls
name: Two calls
steps:
  - { id: first, type: http, with: { url: "${peer.url}/slow" } }
  - { id: second, type: http, with: { url: "${peer.url}/fast" } }
output: "{{ [steps.first.output.body.path, steps.second.output.body.path] }}"
`);
    assert.equal((await runCli(['workflow', 'apply', workflow, '--workspace', '1', '--publish'], env)).code, 0);
    const created = await fetch(`${serve.url}/workflow-service/api/public/v1/workflows/two-calls/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: {} }),
    });
    const { run_id: runId } = (await created.json()) as { run_id: string };
    await peer.waitFor('/slow');

    const exited = serve.stop('SIGTERM');
    // The step is still in flight: the process waits for it instead of exiting.
    const early = await Promise.race([exited.then(() => 'exited'), new Promise((r) => setTimeout(() => r('waiting'), 500))]);
    assert.equal(early, 'waiting');
    releaseSlowAnswer();
    assert.equal(await exited, 0);

    const db = new Database(file, { readonly: true });
    const run = db.prepare('SELECT status, lease_owner FROM runs WHERE id = ?').get(runId) as { status: string; lease_owner: string | null };
    const first = db.prepare("SELECT status FROM step_attempts WHERE run_id = ? AND step_id = 'first'").all(runId) as { status: string }[];
    db.close();
    assert.equal(run.status, 'RUNNING', 'released, not finished');
    assert.equal(run.lease_owner, null, 'the lease was released');
    assert.deepEqual(first.map((a) => a.status), ['COMPLETED']);
    assert.equal(peer.count('/fast'), 0, 'no new step started after SIGTERM');

    const worker = await startSlipwayProcess(['worker', '--concurrency', '1'], { env });
    try {
      await waitFor(() => {
        const check = new Database(file, { readonly: true });
        const { status } = check.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string };
        check.close();
        return status === 'COMPLETED';
      }, { what: 'the worker completes the released run' });
    } finally {
      assert.equal(await worker.stop(), 0);
    }
    assert.equal(peer.count('/slow'), 1, 'the finished step was not run again');
    assert.equal(peer.count('/fast'), 1);
  });
});
