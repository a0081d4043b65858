import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { stringify } from 'yaml';
import { ensureWebBuild } from '../scripts/ensure-web-build.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { tempDir } from './support/test-server.js';

/**
 * The dashboard's workflow editor (SPEC §14) in Debian's chromium against a real
 * `slipway serve`: validation as you type with markers at the server's line and column,
 * the diff against the published version, Publish and Save draft. Screenshots land in
 * test-results/dashboard/ (gitignored).
 */

const API = '/workflow-service/api/public/v1';
const SHOTS = fileURLToPath(new URL('../test-results/dashboard/', import.meta.url));
const UI_TIMEOUT_MS = 20_000;

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('The dashboard tests need Debian\'s chromium: apt-get install chromium (or set CHROMIUM_PATH). .ci/run installs it.');
  }
}

/** Chrome logs non-2xx fetches as console errors; the test provokes a 400 (Save draft of a broken definition). */
const PROVOKED = /Failed to load resource: the server responded with a status of 400/;

describe('dashboard: the workflow editor in chromium', () => {
  let dir: ReturnType<typeof tempDir>;
  let serve: SlipwayProcess;
  let url: string;
  let token: string;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  const api = async (path: string) => {
    const response = await fetch(url + API + path, { headers: { authorization: `Bearer ${token}` } });
    return (await response.json()) as any;
  };
  /** The editor's line (a CodeMirror `.cm-line`) whose text is exactly `text`. */
  const line = (text: string) => page.locator('.cm-line').filter({ hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });
  const problems = () => page.getByTestId('problems');

  before(async () => {
    ensureWebBuild();
    mkdirSync(SHOTS, { recursive: true });
    dir = tempDir('slipway-e2e-authoring-');
    serve = await startSlipwayProcess(['--database-url', `sqlite:${join(dir.path, 'slipway.db')}`, 'serve', '--port', '0', '--concurrency', '0']);
    token = (await serve.waitFor(/SLIPWAY_TOKEN=(slat_\w+)/))[1]!;
    url = serve.url;
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
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

  it('opens the editor from the workflow page with the definition as YAML, valid', async () => {
    await page.getByRole('link', { name: 'Hello' }).click();
    await page.getByRole('link', { name: 'Edit definition' }).click();
    await page.getByRole('heading', { name: 'Edit hello', level: 1 }).waitFor();
    await line('name: Hello').waitFor();
    await page.getByTestId('no-problems').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Publish' }).isEnabled(), true);
  });

  it('marks a problem at the line and column the server reports, as you type', async () => {
    const yamlLines = stringify((await api('/workflows/hello/definition')).draft, { lineWidth: 0 }).split('\n');
    const typeLine = yamlLines.indexOf('    type: transform') + 1;
    assert.ok(typeLine > 0);
    await line('    type: transform').click();
    await page.keyboard.press('End');
    for (let i = 0; i < 'transform'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.type('teleport', { delay: 30 });

    await problems().filter({ hasText: `line ${typeLine}, column 11:` }).waitFor();
    assert.match(await problems().innerText(), /steps\[0\]\.type unknown step type "teleport"/);
    // The marker underlines exactly the word at that place, and the gutter shows a sign on that line.
    const marked = page.locator('.cm-lintRange-error');
    await marked.first().waitFor();
    assert.equal(await marked.first().innerText(), 'teleport');
    assert.equal(await page.locator('.cm-line').nth(typeLine - 1).innerText(), '    type: teleport');
    await page.locator('.cm-lint-marker-error').first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'Publish' }).isEnabled(), false, 'a definition with errors cannot be published');
    await page.screenshot({ path: join(SHOTS, 'editor-problem.png'), fullPage: true });

    // Save draft goes to the server anyway, which refuses it with the same place.
    await page.getByRole('button', { name: 'Save draft' }).click();
    const refused = page.getByTestId('save-message');
    await refused.filter({ hasText: 'error(s)' }).waitFor();
    assert.match(await refused.innerText(), new RegExp(`line ${typeLine}, column 11:`));
    assert.equal((await api('/workflows/hello/definition')).draft.steps[0].type, 'transform', 'nothing was stored');

    await line('    type: teleport').click();
    await page.keyboard.press('End');
    for (let i = 0; i < 'teleport'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.type('transform', { delay: 30 });
    await page.getByTestId('no-problems').waitFor();
  });

  it('shows the changes against the published version, publishes a new version, and a second Publish publishes nothing', async () => {
    const description = (await api('/workflows/hello/definition')).draft.description as string;
    await line(`description: ${description}`).click();
    await page.keyboard.press('End');
    await page.keyboard.type(' Edited in the dashboard.', { delay: 10 });
    await page.getByTestId('no-problems').waitFor();

    await page.getByLabel('Show changes against published version 1').check();
    await page.locator('.cm-changedLine').first().waitFor();
    await page.locator('.cm-deletedChunk').first().waitFor();
    assert.match(await page.locator('.cm-deletedChunk').first().innerText(), new RegExp(`description: ${description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await page.screenshot({ path: join(SHOTS, 'editor-diff.png'), fullPage: true });

    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByTestId('save-message').filter({ hasText: 'Published version 2' }).waitFor();
    const workflow = await api('/workflows/hello');
    assert.equal(workflow.defaultVersion, 2);
    const definitions = await api('/workflows/hello/definition');
    assert.equal(definitions.published.version, 2);
    assert.equal(definitions.published.definition.description, `${description} Edited in the dashboard.`);
    // The diff now compares with version 2: nothing changed.
    await page.getByLabel('Show changes against published version 2').waitFor();
    assert.equal(await page.locator('.cm-changedLine').count(), 0);

    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByTestId('save-message').filter({ hasText: 'Nothing new to publish' }).waitFor();
    assert.equal((await api('/workflows/hello')).totalVersions, 2);
    assert.deepEqual(consoleErrors, []);
  });
});
