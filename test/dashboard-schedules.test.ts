import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureWebBuild } from '../scripts/ensure-web-build.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { tempDir } from './support/test-server.js';

/**
 * The Schedules pages in Debian's chromium against a real `slipway serve` (no run slots:
 * triggered runs stay QUEUED): the list with next fire times in the schedule's zone, the
 * create form's live preview, pause/resume/trigger/delete, the fires log linking to runs,
 * and the schedules on a workflow's page. Screenshots land in test-results/dashboard/.
 */

const API = '/workflow-service/api/public/v1';
const SHOTS = fileURLToPath(new URL('../test-results/dashboard/', import.meta.url));
const UI_TIMEOUT_MS = 20_000;
/** The one console error provoked on purpose: the preview of a bad cron answers 400. */
const PROVOKED = /Failed to load resource: the server responded with a status of 400/;

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
}

describe('dashboard: schedules in chromium', () => {
  let dir: ReturnType<typeof tempDir>;
  let serve: SlipwayProcess;
  let url: string;
  let token: string;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const api = async (method: string, path: string) =>
    (await fetch(url + API + path, { method, headers: { authorization: `Bearer ${token}` } })).json() as Promise<any>;

  before(async () => {
    ensureWebBuild();
    mkdirSync(SHOTS, { recursive: true });
    dir = tempDir('slipway-e2e-schedules-');
    serve = await startSlipwayProcess(['--database-url', `sqlite:${join(dir.path, 'slipway.db')}`, 'serve', '--port', '0', '--concurrency', '0']);
    token = (await serve.waitFor(/SLIPWAY_TOKEN=(slat_\w+)/))[1]!;
    url = serve.url;
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
    page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    page.on('console', (message) => {
      if (message.type() === 'error' && !PROVOKED.test(message.text())) consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
    await page.goto(url + '/');
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Workflows', level: 1 }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await serve?.stop();
    dir?.remove();
  });

  it('creates a schedule with a live preview of the next 5 fire times, and refuses a bad cron in place', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }).click();
    await page.getByRole('heading', { name: 'Schedules', level: 1 }).waitFor();
    await page.getByText('No schedules yet.').waitFor();
    await page.getByLabel('Workflow').selectOption('hello');
    const preview = page.getByTestId('schedule-preview');
    await page.getByLabel('Cron').fill('61 * * * *');
    await preview.getByText(/Invalid value for minute/).waitFor();
    await page.getByLabel('Cron').fill('30 2 * * *');
    await page.getByLabel('Time zone').fill('Europe/Berlin');
    await preview.getByRole('listitem').nth(4).waitFor();
    assert.equal(await preview.getByRole('listitem').count(), 5);
    assert.match((await preview.getByRole('listitem').first().textContent()) ?? '', /02:30:00 GMT\+[12]/, 'shown in the schedule\'s zone');
    await page.getByLabel('Inputs (JSON)').fill('{"nme": "typo"}');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.getByText(/inputs\.name: is required/).waitFor();
    await shot('schedules-create');
    await page.getByLabel('Inputs (JSON)').fill('{"name": "Ada"}');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.waitForURL(/\/schedules\/[0-9a-f-]{36}$/);
    await page.getByTestId('upcoming').getByRole('listitem').nth(4).waitFor();
  });

  it('pauses, resumes and triggers; the fires log links to the run', async () => {
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByText('Paused: no fires.').waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByTestId('upcoming').waitFor();
    await page.getByRole('button', { name: 'Trigger now' }).click();
    await page.getByRole('status').filter({ hasText: 'Fired now: created.' }).waitFor();
    const row = page.locator('tr[data-outcome="created"]');
    await row.waitFor();
    await shot('schedule-page');
    await row.getByRole('link').click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    const runId = page.url().split('/').pop()!;
    const run = await api('GET', `/workflow-runs/${runId}?include=details`);
    assert.equal(run.trigger.type, 'schedule');
  });

  it('lists the schedule with its next fire time in its zone, also on the workflow\'s page; deletes it', async () => {
    await page.goto(url + '/schedules');
    const cell = page.locator('tr[data-schedule-id] [data-testid="next-fire"]').first();
    await cell.waitFor();
    assert.match((await cell.textContent()) ?? '', /02:30:00 GMT\+[12]/);
    await page.goto(url + '/workflows/hello');
    const section = page.getByRole('region', { name: 'Schedules' });
    await section.locator('tr[data-schedule-id]').waitFor();
    assert.match((await section.textContent()) ?? '', /30 2 \* \* \*/);
    await shot('workflow-schedules');
    await section.locator('tr[data-schedule-id] a').first().click();
    await page.getByRole('button', { name: 'Delete' }).waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/\/schedules$/);
    await page.getByText('No schedules yet.').waitFor();
    assert.deepEqual((await api('GET', '/schedules')).data, []);
    assert.deepEqual(consoleErrors, []);
  });
});
