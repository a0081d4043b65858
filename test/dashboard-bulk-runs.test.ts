import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild } from '../scripts/ensure-web-build.js';
import { launchPage, signIn } from './support/browser.js';
import { HELLO_WORKFLOW, startTestServer, type TestServer } from './support/test-server.js';

/** Bulk actions on the runs list in Debian's chromium (SPEC §11): selected runs, or all matching the filter, dry run first. */
describe('dashboard: bulk actions on the runs list', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];
  const runs: string[] = [];

  before(async () => {
    ensureWebBuild();
    // No workers: every run stays QUEUED, so cancel applies to all of them.
    server = await startTestServer({ concurrency: 0 });
    await server.publish(HELLO_WORKFLOW);
    for (let i = 0; i < 4; i++) runs.push((await server.api('POST', '/workflows/hello/runs', { body: { inputs: { name: `n${i}` } } })).body.run_id);
    ({ browser, page, consoleErrors } = await launchPage());
    await signIn(page, server.url, server.token);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const status = async (runId: string) => (await server.api('GET', `/workflow-runs/${runId}`)).body.status as string;

  it('cancels the ticked runs after a dry-run count, then all matching the filter', async () => {
    await page.goto(`${server.url}/runs`);
    await page.getByRole('checkbox', { name: `Select run ${runs[0]}` }).check();
    await page.getByRole('checkbox', { name: `Select run ${runs[1]}` }).check();
    await page.getByLabel('Action').selectOption('cancel');
    await page.getByRole('button', { name: 'Count (dry run)' }).click();
    await page.getByRole('status').filter({ hasText: '2 runs match; 2 would be changed' }).waitFor();
    assert.equal(await status(runs[0]!), 'QUEUED', 'a dry run changes nothing');
    await page.getByRole('button', { name: 'Cancel 2 runs' }).click();
    await page.getByRole('status').filter({ hasText: 'Done: 2 changed, 0 refused.' }).waitFor();
    assert.deepEqual(await Promise.all(runs.map(status)), ['CANCELED', 'CANCELED', 'QUEUED', 'QUEUED']);

    // All QUEUED runs (the status chip is the filter), however many pages they span.
    await page.getByRole('button', { name: 'Queued', exact: true }).click();
    await page.getByRole('radio', { name: 'all matching this filter' }).check();
    await page.getByRole('button', { name: 'Count (dry run)' }).click();
    await page.getByRole('status').filter({ hasText: '2 runs match; 2 would be changed' }).waitFor();
    await page.getByRole('button', { name: 'Cancel 2 runs' }).click();
    await page.getByRole('status').filter({ hasText: 'Done: 2 changed' }).waitFor();
    assert.deepEqual(await Promise.all(runs.map(status)), ['CANCELED', 'CANCELED', 'CANCELED', 'CANCELED']);
    assert.deepEqual(consoleErrors, []);
  });
});
