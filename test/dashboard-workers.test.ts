import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild } from '../scripts/ensure-web-build.js';
import { launchPage, signIn } from './support/browser.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';
import { flakyStep, GATE_WORKFLOW, HOLD_WORKFLOW, holdStep, releasedHolds, RETRY_WORKFLOW } from './support/waiting-steps.js';

/** The Workers page and "why is this run waiting?" in Debian's chromium (SPEC §12). */
describe('dashboard: workers and waiting reasons', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];

  before(async () => {
    ensureWebBuild();
    server = await startTestServer({ concurrency: 1, extraStepTypes: [holdStep, flakyStep] });
    for (const yaml of [HOLD_WORKFLOW, GATE_WORKFLOW, RETRY_WORKFLOW]) await server.publish(yaml);
    ({ browser, page, consoleErrors } = await launchPage());
    await signIn(page, server.url, server.token);
  });
  after(async () => {
    for (const tag of ['dash-busy', 'dash-next', 'dash-last']) releasedHolds.add(tag);
    await browser?.close();
    await server?.close();
  });

  const create = async (workflowId: string, inputs: Record<string, unknown> = {}) =>
    (await server.api('POST', `/workflows/${workflowId}/runs`, { body: { inputs } })).body.run_id as string;
  const reasonOf = (runId: string, reason: string) =>
    waitFor(async () => (await server.api('GET', `/workflow-runs/${runId}?include=details`)).body.waiting?.reason === reason, { timeoutMs: 30_000 });

  it('labels waiting runs in the list, explains the reason on the run page, and lists the live worker', async () => {
    // Runs that sleep without a slot first, then one that holds the only slot and two queued behind it.
    const gate = await create('gate');
    const retrying = await create('retrying');
    await reasonOf(gate, 'waitpoint');
    await reasonOf(retrying, 'retry');
    const busy = await create('hold', { tag: 'dash-busy' });
    await waitFor(async () => (await server.api('GET', `/workflow-runs/${busy}`)).body.status === 'RUNNING', { timeoutMs: 30_000 });
    const next = await create('hold', { tag: 'dash-next' });
    const last = await create('hold', { tag: 'dash-last' });

    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
    const label = (runId: string) => page.locator(`tr[data-run-id="${runId}"] [data-testid="waiting-label"]`);
    await label(last).filter({ hasText: 'waiting for a worker: 1 ahead' }).waitFor();
    await label(next).filter({ hasText: 'next for a worker' }).waitFor();
    await label(gate).filter({ hasText: 'waiting for approval' }).waitFor();
    assert.match(await label(retrying).innerText(), /^retry 2 of 3 at \d{1,2}:\d{2}/);
    assert.equal(await label(busy).count(), 0, 'a run with a step executing has no waiting label');

    // The run page explains it.
    await page.goto(`${server.url}/runs/${last}`);
    const card = page.getByTestId('waiting');
    await card.waitFor();
    assert.equal(await card.getAttribute('data-reason'), 'queue');
    await card.getByText('waiting for a worker: 1 ahead').waitFor();
    await card.getByText('1 live worker process').waitFor();
    await page.goto(`${server.url}/runs/${gate}`);
    await page.getByTestId('waiting').getByText('waiting for approval').waitFor();

    // Workers page (nav line): this process's one worker, busy with this workspace's run.
    await page.getByRole('link', { name: 'Workers' }).click();
    await page.getByRole('heading', { name: 'Workers', level: 1 }).waitFor();
    const row = page.locator(`tr[data-worker-id="${server.server.pool.workerId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(`\\b${process.pid}\\b`));
    await row.getByText('1 / 1').waitFor();
    await row.getByRole('link', { name: `Run ${busy}` }).waitFor();

    // The queued run's page follows it out of the queue (it gets no events while queued).
    releasedHolds.add('dash-busy');
    await page.goto(`${server.url}/runs/${next}`);
    await waitFor(async () => (await page.getByTestId('waiting').count()) === 0, { timeoutMs: 30_000, intervalMs: 200 });
    assert.deepEqual(consoleErrors, []);
  });
});
