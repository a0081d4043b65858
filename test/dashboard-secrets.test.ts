import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild } from '../scripts/ensure-web-build.js';
import { launchPage, signIn } from './support/browser.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const VALUE = 'dashboard-secret-value-42';

/** The Secrets page in Debian's chromium: set (a password field), list without values, delete with confirmation. */
describe('dashboard: secrets page', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];

  before(async () => {
    ensureWebBuild();
    server = await startTestServer({ concurrency: 0 });
    ({ browser, page, consoleErrors } = await launchPage());
    await signIn(page, server.url, server.token);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('sets a secret without ever showing its value, and deletes it after confirming', async () => {
    await page.getByRole('link', { name: 'Secrets' }).click();
    await page.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
    assert.equal(await page.getByLabel('Value').getAttribute('type'), 'password');
    await page.getByLabel('Name').fill('bad-name');
    await page.getByLabel('Value').fill(VALUE);
    await page.getByRole('button', { name: 'Save secret' }).click();
    await page.getByText('Capitals, digits and _').waitFor();
    await page.getByLabel('Name').fill('API_KEY');
    await page.getByRole('button', { name: 'Save secret' }).click();
    await page.getByRole('status').filter({ hasText: 'Secret API_KEY saved.' }).waitFor();
    await page.locator('tr[data-secret-name="API_KEY"]').waitFor();
    assert.equal(await page.getByLabel('Value').inputValue(), '', 'the field is cleared after saving');
    await page.reload();
    await page.locator('tr[data-secret-name="API_KEY"]').waitFor();
    assert.ok(!(await page.content()).includes(VALUE), 'the value is nowhere on the page');
    assert.equal((await server.api('GET', '/secrets')).body.data[0].name, 'API_KEY');

    await page.getByRole('button', { name: 'Delete secret API_KEY' }).click();
    await page.getByRole('button', { name: 'Delete secret', exact: true }).click();
    await page.getByText('No secrets yet.').waitFor();
    assert.deepEqual((await server.api('GET', '/secrets')).body.data, []);
    assert.deepEqual(consoleErrors, []);
  });
});
