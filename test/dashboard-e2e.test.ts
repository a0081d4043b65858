import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureWebBuild } from '../scripts/ensure-web-build.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { tempDir } from './support/test-server.js';

/**
 * The dashboard end to end: Debian's chromium (headless, through playwright-core) against
 * a real `slipway serve` process on a fresh database, signed in with the admin token the
 * first start prints. The server runs with no run slots, so a run stays QUEUED until the
 * test starts a separate `slipway worker` on the same database. Screenshots of the main
 * screens land in test-results/dashboard/ (gitignored).
 */

const API = '/workflow-service/api/public/v1';
const SHOTS = fileURLToPath(new URL('../test-results/dashboard/', import.meta.url));
const UI_TIMEOUT_MS = 20_000;
const CLI = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('The dashboard tests need Debian\'s chromium: apt-get install chromium (or set CHROMIUM_PATH); the pretest step of npm test installs it when it may.');
  }
}

/**
 * Chrome logs every non-2xx fetch as a console error ("Failed to load resource").
 * The test provokes some on purpose (a refused token, invalid inputs); those are the
 * only console errors allowed.
 */
const PROVOKED = /Failed to load resource: the server responded with a status of (400|401)/;

/** One input of each type of SPEC §5, a readme and a Markdown output that try to inject script. */
const EVERY_INPUT_WORKFLOW = `
id: every-input
name: Every input
description: One input of each type.
readme: |
  # Safe readme
  **Bold** text.
  <img src="x" onerror="window.__xss = 'readme'">
  <script>window.__xss = 'script'</script>
  [a bad link](javascript:window.__xss='link')
outputType: markdown
inputs:
  - { variableName: t, label: Text, type: text, required: true }
  - { variableName: ta, label: Long text, type: textarea }
  - { variableName: n, label: Number, type: number }
  - { variableName: i, label: Whole number, type: integer }
  - { variableName: b, label: Flag, type: boolean }
  - { variableName: u, label: Link, type: url }
  - { variableName: e, label: Email, type: email }
  - { variableName: s, label: Choice, type: select, options: [red, green] }
  - { variableName: m, label: Choices, type: multiselect, options: [a, b, c] }
  - { variableName: d, label: Day, type: date }
  - { variableName: j, label: Data, type: json }
steps:
  - id: render
    type: transform
    with:
      value: "**{{ inputs.t }}** <img src=x onerror=\\"window.__xss = 'output'\\">"
output: "{{ steps.render.output }}"
`;

describe('dashboard in chromium against slipway serve', () => {
  let dir: ReturnType<typeof tempDir>;
  let serve: SlipwayProcess;
  let worker: SlipwayProcess | null = null;
  let url: string;
  let adminToken: string;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(url + API + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const cli = (args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', CLI, '--database-url', `sqlite:${join(dir.path, 'slipway.db')}`, ...args], { encoding: 'utf8' });
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  before(async () => {
    ensureWebBuild();
    mkdirSync(SHOTS, { recursive: true });
    dir = tempDir('slipway-e2e-');
    serve = await startSlipwayProcess(['--database-url', `sqlite:${join(dir.path, 'slipway.db')}`, 'serve', '--port', '0', '--concurrency', '0']);
    adminToken = (await serve.waitFor(/SLIPWAY_TOKEN=(slat_\w+)/))[1]!;
    url = serve.url;
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    page.on('console', (message) => {
      if (message.type() === 'error' && !PROVOKED.test(message.text())) consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  });

  after(async () => {
    await browser?.close();
    await worker?.stop();
    await serve?.stop();
    dir?.remove();
  });

  it('serves the dashboard at / with client-side routes, and keeps API 404s as JSON', async () => {
    const home = await fetch(url + '/');
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type') ?? '', /text\/html/);
    assert.match(home.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const deep = await fetch(url + '/runs/some-run', { headers: { accept: 'text/html' } });
    assert.equal(deep.status, 200);
    assert.match(await deep.text(), /<div id="app">/);
    const programmatic = await fetch(url + '/runs/some-run');
    assert.equal(programmatic.status, 404);
    assert.equal(((await programmatic.json()) as { error: string }).error, 'not_found');
    const unknownApi = await fetch(url + API + '/nope', { headers: { accept: 'text/html' } });
    assert.equal(unknownApi.status, 404);
    assert.equal(((await unknownApi.json()) as { error: string }).error, 'not_found');
    const missingAsset = await fetch(url + '/assets/missing.js');
    assert.equal(missingAsset.status, 404);
  });

  it('signs in with a pasted token, refusing a wrong one in plain words', async () => {
    await page.goto(url + '/');
    await page.getByLabel('API token').fill('slat_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Your token was refused: Unknown API token.' }).waitFor();
    await shot('sign-in');
    await page.getByLabel('API token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Workflows', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Slow report' }).waitFor();
    await page.getByRole('link', { name: 'Hello' }).waitFor();
    await shot('workflows');
    // The first Tab reaches the skip link, which moves focus to the page content.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
    // The token is kept for this tab only.
    assert.equal(await page.evaluate(() => sessionStorage.getItem('slipway.token')), adminToken);
  });

  it('searches and filters workflows', async () => {
    await page.getByRole('searchbox').fill('slow');
    await page.waitForURL(/search=slow/);
    await page.getByRole('link', { name: 'Hello' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Slow report' }).waitFor();
    await page.getByLabel('Status').selectOption('draft');
    await page.getByText('No workflow matches these filters.').waitFor();
    await page.goto(url + '/workflows');
  });

  it('shows API validation messages next to the fields of the generated form', async () => {
    await page.getByRole('link', { name: 'Slow report' }).click();
    await page.getByRole('heading', { name: 'Slow report', level: 1 }).waitFor();
    assert.equal(await page.getByTestId('workflow-id').textContent(), 'slow-report');
    await page.getByText('Shows delay, if and fail').waitFor(); // the readme, rendered
    await page.getByLabel('Seconds to wait').fill('two');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('#input-topic-error').filter({ hasText: 'Topic is required' }).waitFor();
    await page.locator('#input-seconds-error').filter({ hasText: 'integer' }).waitFor();
    assert.equal(await page.getByLabel('Seconds to wait').getAttribute('aria-invalid'), 'true');
    await shot('workflow-form-errors');
  });

  it('starts a run from the form and cancels it while it is queued', async () => {
    await page.getByLabel('Topic').selectOption('sales');
    await page.getByLabel('Seconds to wait').fill('1');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    await page.locator('.run-head .badge', { hasText: 'QUEUED' }).waitFor();
    await page.getByText('"topic": "sales"').waitFor();
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.locator('.run-head .badge', { hasText: 'CANCELED' }).waitFor();
    await page.getByRole('button', { name: 'Cancel run' }).waitFor({ state: 'detached' });
    const runId = (await page.getByTestId('run-id').textContent())!;
    assert.equal((await api('GET', `/workflow-runs/${runId}`, adminToken)).body.status, 'CANCELED');
    await shot('run-canceled');
  });

  it('starts a run that a worker completes, with its output and step timeline', async () => {
    worker = await startSlipwayProcess(['--database-url', `sqlite:${join(dir.path, 'slipway.db')}`, 'worker', '--concurrency', '2'], { env: { SLIPWAY_POLL_INTERVAL: '100ms' } });
    await page.getByRole('link', { name: 'Workflows' }).click();
    await page.getByRole('link', { name: 'Hello' }).click();
    // By keyboard only: type the name, Tab to the checkbox, Space, Tab to Run, Enter.
    await page.getByLabel('Name').fill('Ada');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement).name), 'excited');
    await page.keyboard.press('Space');
    assert.equal(await page.getByLabel('Excited?').isChecked(), true);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Run');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    await page.locator('.run-head .badge', { hasText: 'COMPLETED' }).waitFor();
    await page.getByRole('region', { name: 'Output' }).getByText('"greeting": "Hello, Ada!"').waitFor();
    const step = page.locator('[data-step-id="greet"]');
    await step.locator('.badge', { hasText: 'COMPLETED' }).waitFor();
    await step.getByText('1 attempt').waitFor();
    await step.getByText('Output').click();
    await step.getByText('"length": 3').waitFor();
    await shot('run-completed');
    const firstRunId = (await page.getByTestId('run-id').textContent())!;

    // Re-run: same inputs, a new run.
    await page.getByRole('button', { name: 'Re-run' }).click();
    await page.waitForURL((u) => /\/runs\/[0-9a-f-]{36}$/.test(u.pathname) && !u.pathname.endsWith(firstRunId));
    await page.locator('.run-head .badge', { hasText: 'COMPLETED' }).waitFor();
    const secondRunId = (await page.getByTestId('run-id').textContent())!;
    const second = await api('GET', `/workflow-runs/${secondRunId}?include=details`, adminToken);
    assert.deepEqual(second.body.inputs, { name: 'Ada', excited: true });
  });

  it('shows a multi-step run: a durable wait, a skipped step and the report', async () => {
    const created = await api('POST', '/workflows/slow-report/runs', adminToken, { inputs: { topic: 'support', seconds: 1 }, metadata: { source: 'dashboard-e2e' } });
    await page.goto(`${url}/runs/${created.body.run_id}`);
    await page.locator('.run-head .badge', { hasText: 'COMPLETED' }).waitFor();
    await page.locator('[data-step-id="failIfAsked"] .badge', { hasText: 'SKIPPED' }).waitFor();
    await page.locator('[data-step-id="wait"] .badge', { hasText: 'COMPLETED' }).waitFor();
    await page.locator('[data-step-id="report"] .badge', { hasText: 'COMPLETED' }).waitFor();
    await page.getByRole('region', { name: 'Output' }).getByText('"topic": "support"').waitFor();
    await page.getByRole('region', { name: 'Metadata' }).getByText('"source": "dashboard-e2e"').waitFor();
    await shot('run-page');

    // A failed run: the error, and the step that failed with its message.
    const failing = await api('POST', '/workflows/slow-report/runs', adminToken, { inputs: { topic: 'sales', seconds: 1, shouldFail: true } });
    await page.goto(`${url}/runs/${failing.body.run_id}`);
    await page.locator('.run-head .badge', { hasText: 'FAILED' }).waitFor();
    const error = page.getByRole('region', { name: 'Error' });
    await error.getByText('WORKFLOW_FAILED').waitFor();
    await error.getByText('asked to fail for sales').waitFor();
    const failedStep = page.locator('[data-step-id="failIfAsked"]');
    await failedStep.locator('.badge', { hasText: 'FAILED' }).waitFor();
    await failedStep.locator('.step-error').getByText('asked to fail for sales').waitFor();
    await failedStep.getByTestId('step-log').getByText(/attempt 1 failed/).waitFor();
    await page.locator('[data-step-id="report"] .badge', { hasText: 'NOT RUN' }).waitFor();
    assert.equal(await page.getByRole('region', { name: 'Output' }).count(), 0);
    await shot('run-failed');
  });

  it('lists runs with status filters', async () => {
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
    await page.locator('tbody tr').nth(4).waitFor();
    assert.equal(await page.locator('tbody tr').count(), 5);
    await shot('runs');
    await page.getByRole('button', { name: 'Canceled' }).click();
    await page.waitForURL(/status=CANCELED/);
    await page.locator('tbody tr').nth(1).waitFor({ state: 'detached' });
    assert.equal(await page.locator('tbody tr .badge').first().textContent(), 'CANCELED');
    await page.getByRole('button', { name: 'Failed' }).click();
    await page.waitForURL(/status=FAILED/);
    await page.locator('tbody tr .badge', { hasText: 'FAILED' }).waitFor();
    assert.equal(await page.locator('tbody tr').count(), 1);
    await page.getByRole('button', { name: 'Running' }).click();
    await page.getByText('No run matches these filters.').waitFor();
  });

  it('generates a field for every input type, shows each problem by its field, and renders Markdown safely', async () => {
    const file = join(dir.path, 'every-input.yaml');
    writeFileSync(file, EVERY_INPUT_WORKFLOW);
    const workspaces = JSON.parse(cli(['workspace', 'list', '--json'])) as { id: number }[];
    cli(['workflow', 'apply', file, '--workspace', String(workspaces[0]!.id), '--publish']);

    await page.goto(`${url}/workflows/every-input`);
    await page.getByRole('heading', { name: 'Every input', level: 1 }).waitFor();
    // The readme: Markdown rendered; raw HTML shown as text, never as markup; javascript: link dropped.
    const readme = page.getByRole('region', { name: 'Readme' });
    await readme.locator('strong', { hasText: 'Bold' }).waitFor();
    await readme.getByText(`<script>window.__xss = 'script'</script>`).waitFor();
    assert.equal(await readme.locator('script, img, [onerror]').count(), 0);
    assert.equal(await readme.getByText('a bad link').getAttribute('href'), null);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss), undefined);

    const field = (name: string) => page.locator(`#input-${name}`);
    const error = (name: string) => page.locator(`#input-${name}-error`);
    await field('t').fill('Ada');
    await field('ta').fill('line one\nline two');
    await field('n').fill('2.5');
    await field('i').fill('7.5');
    await field('b').check();
    await field('u').fill('not a url');
    await field('e').fill('not-an-email');
    await field('s').selectOption('green');
    const choices = page.getByRole('group', { name: 'Choices' });
    await choices.getByLabel('a', { exact: true }).check();
    await choices.getByLabel('c', { exact: true }).check();
    await field('d').fill('2026-01-27');
    await field('j').fill('{bad json');
    const run = page.getByRole('button', { name: 'Run', exact: true });
    await run.click();
    await error('j').filter({ hasText: 'is not valid JSON' }).waitFor(); // checked in the browser first
    await field('j').fill('{"k": [1, 2]}');
    await run.click();
    await error('i').filter({ hasText: 'integer' }).waitFor(); // then by the API, each under its field
    await error('u').waitFor();
    await error('e').waitFor();
    assert.equal(await error('j').count(), 0);
    assert.equal(await error('t').count(), 0);
    await shot('workflow-every-input-errors');
    await field('i').fill('7');
    await field('u').fill('https://example.com/x');
    await field('e').fill('ada@example.com');
    await run.click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    await page.locator('.run-head .badge', { hasText: 'COMPLETED' }).waitFor();
    const runId = (await page.getByTestId('run-id').textContent())!;
    const stored = await api('GET', `/workflow-runs/${runId}?include=details`, adminToken);
    assert.deepEqual(stored.body.inputs, {
      t: 'Ada', ta: 'line one\nline two', n: 2.5, i: 7, b: true, u: 'https://example.com/x', e: 'ada@example.com',
      s: 'green', m: ['a', 'c'], d: '2026-01-27', j: { k: [1, 2] },
    });
    // outputType markdown: rendered, and made safe like the readme.
    const output = page.getByRole('region', { name: 'Output' });
    await output.locator('strong', { hasText: 'Ada' }).waitFor();
    await output.getByText('<img src=x onerror=').waitFor();
    assert.equal(await output.locator('img, [onerror]').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss), undefined);
    await shot('run-markdown-output');
  });

  it('creates a token shown once, and revokes it after confirmation so the API refuses it', async () => {
    await page.getByRole('link', { name: 'API Tokens' }).click();
    await page.getByLabel('Name').fill('e2e-token');
    await page.getByLabel('Expires after').selectOption('7d');
    await page.getByRole('button', { name: 'Create token' }).click();
    const newToken = await page.getByTestId('new-token').inputValue();
    assert.match(newToken, /^slat_[0-9A-Za-z]{43}$/);
    await page.getByText('This is the only time the full token is shown').waitFor();
    const row = page.locator('tr[data-token-name="e2e-token"]');
    await row.getByText(`${newToken.slice(0, 12)}...${newToken.slice(-4)}`).waitFor();
    assert.equal((await api('GET', '/workflows', newToken)).status, 200);
    await shot('token-created');

    await page.getByRole('button', { name: 'I have copied it' }).click();
    await row.getByRole('button', { name: 'Revoke token e2e-token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke token "e2e-token"?' });
    await dialog.waitFor();
    await shot('token-revoke-confirm');
    // Escape keeps it; the token still works.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await api('GET', '/workflows', newToken)).status, 200);
    await row.getByRole('button', { name: 'Revoke token e2e-token' }).click();
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await row.getByText('revoked').waitFor();
    const refused = await api('GET', '/workflows', newToken);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'unauthorized');
    await shot('tokens');
  });

  it('fits a phone-width screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [path, name] of [['/workflows', 'phone-workflows'], ['/runs', 'phone-runs'], ['/settings/tokens', 'phone-tokens']] as const) {
      await page.goto(url + path);
      await page.locator('main h1').waitFor();
      await page.locator('.state.loading').waitFor({ state: 'detached' });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${path} is ${overflow}px wider than the screen`);
      await shot(name);
    }
    await page.locator('tbody tr a').first().waitFor({ state: 'detached' }).catch(() => undefined);
    await page.goto(url + '/runs');
    await page.locator('tbody tr a').first().click();
    await page.locator('.run-head .badge').waitFor();
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 0);
    await shot('phone-run');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('signs out, clearing the token, and signs out by itself once its token is revoked', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('slipway.token')), null);

    const shortLived = await api('POST', '/tokens', adminToken, { name: 'short-lived', expires: '7d' });
    await page.goto(url + '/workflows');
    await page.getByLabel('API token').fill(shortLived.body.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The list loaded with the token (the heading alone shows before the list's request ends).
    await page.getByRole('link', { name: 'Hello' }).waitFor();
    assert.equal((await api('POST', `/tokens/${shortLived.body.id}/revoke`, adminToken)).status, 200);
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByText('Your token is no longer accepted').waitFor();
    await page.getByLabel('API token').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('slipway.token')), null);
  });

  it('logged no console errors', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
