import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild } from '../scripts/ensure-web-build.js';
import { launchPage, signIn } from './support/browser.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { HELLO_WORKFLOW, startTestServer, type TestServer } from './support/test-server.js';

/** The Webhooks page in Debian's chromium against a real server and a local receiver. */
describe('dashboard: webhooks page', () => {
  let server: TestServer;
  let peer: HttpPeer;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];
  let failing = true;

  before(async () => {
    ensureWebBuild();
    peer = await startHttpPeer((_request, response) => {
      response.statusCode = failing ? 503 : 200;
      response.end();
    });
    server = await startTestServer({ env: { SLIPWAY_HTTP_ALLOW_PRIVATE: 'true', SLIPWAY_WEBHOOK_BACKOFF: '30s' } });
    await server.publish(HELLO_WORKFLOW);
    ({ browser, page, consoleErrors } = await launchPage());
    await signIn(page, server.url, server.token);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await peer?.close();
  });

  it('creates an endpoint showing the secret once, sends a test, shows the log, redelivers and deletes', async () => {
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByLabel('URL').fill(`${peer.url}/hook`);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = await page.getByTestId('webhook-secret').inputValue();
    assert.match(secret, /^whsec_/);
    await page.getByRole('button', { name: 'Copy secret' }).waitFor();
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.reload();
    await page.locator('.webhook-url', { hasText: `${peer.url}/hook` }).waitFor();
    assert.ok(!(await page.content()).includes(secret), 'the secret is not shown after creation');

    // A failing receiver: the log shows the attempt, its status code and the pending retry.
    await page.getByRole('button', { name: 'Send test' }).click();
    await peer.waitFor('/hook');
    const row = page.locator('tr[data-delivery-id]').first();
    await row.locator('td', { hasText: '503' }).waitFor();
    assert.equal(await row.getAttribute('data-status'), 'pending');
    assert.match(await row.innerText(), /webhook\.test/);

    // A run's outcome reaches the receiver once it answers; redeliver sends it again.
    failing = false;
    const run = await server.api('POST', '/workflows/hello/runs', { body: { inputs: { name: 'Ada' } } });
    await server.waitForStatus(run.body.run_id, ['COMPLETED']);
    await peer.waitFor('/hook', 2);
    await page.locator(`tr[data-status="delivered"]`).first().waitFor();
    const delivered = page.locator('tr[data-status="delivered"]').first();
    await delivered.getByRole('button', { name: 'Redeliver' }).click();
    await peer.waitFor('/hook', 3);

    await page.getByRole('button', { name: `Delete webhook ${peer.url}/hook` }).click();
    await page.getByRole('button', { name: 'Delete webhook', exact: true }).click();
    await page.getByText('No webhooks yet.').waitFor();
    assert.deepEqual(consoleErrors, []);
  });
});
