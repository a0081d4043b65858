import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild } from '../scripts/ensure-web-build.js';
import { launchPage, signIn } from './support/browser.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** Run control on the run page in Debian's chromium (SPEC §11): Abort with a confirmation, Replay from failed steps, Replay from here. */
describe('dashboard: run control', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];

  before(async () => {
    ensureWebBuild();
    server = await startTestServer();
    await server.publish(`
id: nap
name: Nap
steps:
  - { id: sleep, type: delay, with: { duration: 1h } }
`);
    await server.publish(`
id: twostep
name: Two steps
inputs:
  - { variableName: fail, type: boolean, default: true }
steps:
  - { id: first, type: transform, with: { value: "one" } }
  - { id: second, type: fail, if: "{{ inputs.fail }}", with: { message: "asked to fail" } }
`);
    ({ browser, page, consoleErrors } = await launchPage());
    await signIn(page, server.url, server.token);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('aborts a running run after a confirmation', async () => {
    const created = await server.api('POST', '/workflows/nap/runs', { body: { inputs: {} } });
    const runId = created.body.run_id as string;
    await server.waitForStatus(runId, ['RUNNING']);
    await page.goto(`${server.url}/runs/${runId}`);
    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await page.getByRole('button', { name: 'Abort' }).click();
    const run = await server.waitForStatus(runId, ['FAILED']);
    assert.match(asked, /Abort this run/);
    assert.equal(run.error.code, 'ABORTED');
    await page.getByText(/aborted by/).first().waitFor();
  });

  it('replays from the failed steps and from a chosen step, reusing the others', async () => {
    const created = await server.api('POST', '/workflows/twostep/runs', { body: { inputs: {} } });
    const sourceId = created.body.run_id as string;
    await server.waitForStatus(sourceId, ['FAILED']);
    await page.goto(`${server.url}/runs/${sourceId}`);
    await page.getByRole('button', { name: 'Replay from failed steps' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/runs/') && !url.pathname.endsWith(sourceId));
    const replayId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const details = await server.api('GET', `/workflow-runs/${replayId}?include=details`);
    assert.deepEqual(details.body.replayed_from, { run_id: sourceId, from_step: '@failed' });
    await server.waitForStatus(replayId, ['FAILED']);
    await page.locator('li[data-step-id="first"]').getByText('reused').waitFor();

    await page.locator('li[data-step-id="second"]').getByRole('button', { name: 'Replay from second' }).click();
    await page.waitForURL((url) => !url.pathname.endsWith(replayId) && !url.pathname.endsWith(sourceId));
    const fromHereId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const fromHere = await server.api('GET', `/workflow-runs/${fromHereId}?include=details`);
    assert.deepEqual(fromHere.body.replayed_from, { run_id: replayId, from_step: 'second' });
    assert.deepEqual(consoleErrors, []);
  });
});
