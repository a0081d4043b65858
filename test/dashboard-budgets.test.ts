import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild } from '../scripts/ensure-web-build.js';
import { launchPage, signIn } from './support/browser.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** The run page in Debian's chromium: a step output the steps list truncates (over 64 KiB) is loaded on demand. */
describe('dashboard: truncated step outputs (SPEC §16)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];

  before(async () => {
    ensureWebBuild();
    server = await startTestServer();
    await server.publish(`
id: blob
name: Blob
inputs:
  - { variableName: blob, type: textarea, required: true }
steps:
  - { id: copy, type: transform, with: { value: { text: "{{ inputs.blob }}", end: "the-very-end" } } }
  - { id: small, type: transform, with: { value: "{{ $length(steps.copy.output.text) }}" } }
`);
    ({ browser, page, consoleErrors } = await launchPage());
    await signIn(page, server.url, server.token);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the size of a truncated output and loads it whole from the step endpoint', async () => {
    const created = await server.api('POST', '/workflows/blob/runs', { body: { inputs: { blob: 'x'.repeat(70_000) } } });
    await server.waitForStatus(created.body.run_id, ['COMPLETED'], undefined, 20_000);
    await page.goto(`${server.url}/runs/${created.body.run_id}`);
    const copy = page.locator('li[data-step-id="copy"]');
    await copy.getByText(/Output: 69 KiB, too large for the list/).waitFor();
    assert.equal(await copy.getByLabel('Output of copy').count(), 0, 'the truncated output is not shown as if it were the value');
    await page.locator('li[data-step-id="small"]').getByText('Output').click();
    assert.equal(await page.getByLabel('Output of small').innerText(), '70000');
    await copy.getByRole('button', { name: 'Show output of copy' }).click();
    const full = copy.getByLabel('Output of copy');
    await full.waitFor();
    const text = await full.innerText();
    assert.ok(text.includes('the-very-end') && text.length > 70_000, `${text.length} characters`);
    assert.deepEqual(consoleErrors, []);
  });
});
