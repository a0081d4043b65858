import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../src/core/clock.js';
import { createServices } from '../src/server.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { sendJson, startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { tempDir } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const API = '/workflow-service/api/public/v1';

const WORKFLOW = `
id: side-effects
name: Side effects
inputs:
  - { variableName: base, type: text, required: true }
steps:
  - { id: first, type: http, with: { method: POST, url: "{{ inputs.base }}/effect/first" } }
  - { id: second, type: http, with: { method: POST, url: "{{ inputs.base }}/hang" } }
  - { id: third, type: http, with: { method: POST, url: "{{ inputs.base }}/effect/third" } }
output: ["{{ steps.first.output.body.effect }}", "{{ steps.second.output.body.effect }}", "{{ steps.third.output.body.effect }}"]
`;

/** `slipway serve` as a separate OS process, with short leases so the takeover comes quickly. */
function startServe(databaseUrl: string): Promise<SlipwayProcess> {
  return startSlipwayProcess(['serve', '--port', '0', '--concurrency', '2', '--database-url', databaseUrl], {
    cwd: ROOT,
    env: { SLIPWAY_LEASE_TIMEOUT: '2s', SLIPWAY_POLL_INTERVAL: '100ms', SLIPWAY_HTTP_ALLOW_PRIVATE: 'true' },
  });
}

describe('crash recovery: a run survives SIGKILL of its slipway serve process', () => {
  const dir = tempDir('slipway-crash-');
  const databaseUrl = `sqlite:${join(dir.path, 'slipway.db')}`;
  let peer: HttpPeer;
  const servers: SlipwayProcess[] = [];
  before(async () => {
    let hung = false;
    peer = await startHttpPeer((request, response) => {
      if (request.path === '/hang' && !hung) {
        hung = true;
        return; // never answers: the worker is killed while it waits
      }
      sendJson(response, 200, { effect: request.path });
    });
  });
  after(async () => {
    for (const server of servers) await server.stop('SIGKILL');
    await peer.close();
    dir.remove();
  });

  it('is finished by another process; completed steps are not repeated, the interrupted one runs again', async () => {
    const first = await startServe(databaseUrl);
    servers.push(first);
    const token = /SLIPWAY_TOKEN=(slat_\S+)/.exec(first.stdout())?.[1];
    assert.ok(token, `the first start prints an admin token:\n${first.output()}`);

    // Publish the test workflow through the same database file, as `slipway workflow apply` does.
    const store = createSqliteStore({ path: databaseUrl.slice('sqlite:'.length) });
    await store.migrate();
    const [workspace] = await store.listWorkspaces();
    await createServices(store, systemClock).workflows.applyWorkflow({ workspaceId: workspace!.id, text: WORKFLOW, publish: true });

    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${first.url}${API}/workflows/side-effects/runs`, { method: 'POST', headers, body: JSON.stringify({ inputs: { base: peer.url } }) });
    assert.equal(created.status, 202);
    const { run_id: runId } = (await created.json()) as { run_id: string };

    await peer.waitFor('/hang');
    assert.equal(await first.stop('SIGKILL'), null);
    assert.equal(first.child.signalCode, 'SIGKILL');
    assert.equal((await store.getRun(workspace!.id, runId))?.status, 'RUNNING');

    const second = await startServe(databaseUrl);
    servers.push(second);
    const run = await waitFor(async () => {
      const current = (await (await fetch(`${second.url}${API}/workflow-runs/${runId}`, { headers })).json()) as Record<string, any>;
      return ['COMPLETED', 'FAILED'].includes(current.status) && current;
    }, { intervalMs: 100, what: 'the second process finishes the run' });
    assert.equal(run.status, 'COMPLETED', JSON.stringify(run));
    assert.deepEqual(run.output, ['/effect/first', '/hang', '/effect/third']);

    // Each completed step's side effect happened exactly once; the interrupted step ran again.
    assert.equal(peer.count('/effect/first'), 1);
    assert.equal(peer.count('/hang'), 2);
    assert.equal(peer.count('/effect/third'), 1);

    const steps = (await (await fetch(`${second.url}${API}/workflow-runs/${runId}/steps`, { headers })).json()) as { data: { id: string; attempts: number; status: string }[] };
    assert.deepEqual(steps.data.map((s) => [s.id, s.status, s.attempts]), [['first', 'COMPLETED', 1], ['second', 'COMPLETED', 2], ['third', 'COMPLETED', 1]]);
    const attempts = await store.listStepAttempts(runId);
    const interrupted = attempts.find((a) => a.stepId === 'second' && a.attempt === 1);
    assert.equal(interrupted?.error?.code, 'INTERRUPTED');
    const final = await store.getRun(workspace!.id, runId);
    assert.equal(final?.claimCount, 2);
    await store.close();

    assert.equal(await second.stop('SIGTERM'), 0);
  });
});
