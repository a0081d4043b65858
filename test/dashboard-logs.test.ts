import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild } from '../scripts/ensure-web-build.js';
import { defineStepType, type StepType } from '../src/steps/step-type.js';
import { launchPage, signIn } from './support/browser.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** Opened by the test: the `gated` step waits for it between its two log lines. */
let openGate: () => void = () => {};

const gatedStep = defineStepType({
  type: 'gated',
  description: 'Logs a line, waits for the test, logs another.',
  input: Type.Object({}, { additionalProperties: false }),
  idempotent: true,
  async run(_input, ctx) {
    ctx.log('info', 'waiting for the gate', { gate: 'A' });
    await new Promise<void>((resolve) => (openGate = resolve));
    ctx.log('warn', 'gate opened');
    return { kind: 'completed', output: { ok: true } };
  },
});

/** Step logs under their step on the run page, live while the step runs, and the runs page's retention line (SPEC §17), in Debian's chromium. */
describe('dashboard: step logs and retention', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];

  before(async () => {
    ensureWebBuild();
    server = await startTestServer({ extraStepTypes: [gatedStep] as StepType[] });
    await server.publish(`
id: gate
name: Gate
steps:
  - { id: hold, type: gated, with: {} }
  - { id: after, type: transform, needs: [hold], with: { value: done } }
`);
    ({ browser, page, consoleErrors } = await launchPage());
    await signIn(page, server.url, server.token);
  });
  after(async () => {
    openGate();
    await browser?.close();
    await server?.close();
  });

  it('shows a running step\'s log lines under the step as they are written, and the rest when it ends', async () => {
    const created = await server.api('POST', '/workflows/gate/runs', { body: { inputs: {} } });
    const runId = created.body.run_id as string;
    await page.goto(`${server.url}/runs/${runId}`);
    const hold = page.locator('li.step[data-step-id="hold"]');
    const log = hold.locator('[data-testid="step-log"]');
    // The first line shows while the step still waits (RUNNING), without reloading the page.
    await log.getByText('waiting for the gate').waitFor({ timeout: 30_000 });
    assert.equal((await server.api('GET', `/workflow-runs/${runId}`)).body.status, 'RUNNING');
    assert.match(await log.innerText(), /INFO[\s\S]*waiting for the gate[\s\S]*"gate":"A"/);
    assert.equal(await log.getByText('gate opened').count(), 0);

    openGate();
    await log.getByText('gate opened').waitFor({ timeout: 30_000 });
    await server.waitForStatus(runId, ['COMPLETED']);
    assert.match(await log.locator('summary').innerText(), /2 lines/);
    assert.equal(await page.locator('li.step[data-step-id="after"] [data-testid="step-log"]').count(), 0, 'a step that logged nothing has no log');
    const seqs = await log.locator('li.log-line').evaluateAll((items) => items.map((item) => item.getAttribute('data-seq')));
    assert.deepEqual(seqs, ['1', '2'], 'each line once, in order');
  });

  it('says on the runs page how long the workspace keeps runs', async () => {
    await page.goto(`${server.url}/runs`);
    const note = page.getByTestId('retention-note');
    await note.getByText('This workspace keeps runs forever.').waitFor();

    const patched = await server.api('PATCH', '/workspace', { body: { retention: { completed: '30d', failed: '90d', canceled: '1d' } } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await page.reload();
    await note.getByText('Completed runs are kept 30 days, failed runs 90 days, canceled runs 1 day after they end').waitFor();
    assert.deepEqual(consoleErrors, []);
  });
});
