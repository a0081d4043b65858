import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild } from '../scripts/ensure-web-build.js';
import { launchPage, signIn } from './support/browser.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

/** Approvals in Debian's chromium (SPEC §7): the Approvals page with its generated form, the approval page `approve_url` opens, the run page's waitpoints. */

const PUBLISH = `
id: publish
name: Publish
inputs:
  - { variableName: topic, type: text, required: true }
steps:
  - id: review
    type: wait
    with:
      kind: approval
      prompt: "Publish the brief on {{ inputs.topic }}?"
      fields:
        - { variableName: comment, type: textarea, required: true, label: Comment }
        - { variableName: score, type: integer, label: Score }
        - { variableName: channel, type: select, options: [blog, newsletter], label: Channel }
        - { variableName: urgent, type: boolean }
  - id: done
    type: transform
    with: { value: "{{ steps.review.output }}" }
output: "{{ steps.done.output }}"
`;

describe('dashboard: approvals', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];

  before(async () => {
    ensureWebBuild();
    server = await startTestServer({ env: { SLIPWAY_SECRET_KEY: 'd'.repeat(64) } });
    await server.publish(PUBLISH);
    ({ browser, page, consoleErrors } = await launchPage({ timeoutMs: 30_000 }));
    await signIn(page, server.url, server.token);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const start = async (topic: string) => {
    const created = await server.api('POST', '/workflows/publish/runs', { body: { inputs: { topic } } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const runId = created.body.run_id as string;
    const waitpoint = await waitFor(async () => (await server.api('GET', `/workflow-runs/${runId}/waitpoints`)).body.data?.find((w: { status: string }) => w.status === 'OPEN'),
      { what: `the approval of ${runId}`, timeoutMs: 30_000 });
    return { runId, waitpoint };
  };

  it('approves from the Approvals page with form data; the run completes and shows its waitpoint', async () => {
    const older = await start('spring');
    const newer = await start('autumn');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' }).click();
    await page.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
    const cards = page.locator('article.approval');
    await cards.nth(1).waitFor();
    assert.deepEqual(await cards.evaluateAll((els) => els.map((el) => el.getAttribute('data-waitpoint-id'))), [newer.waitpoint.waitpoint_id, older.waitpoint.waitpoint_id], 'newest first');

    const card = page.locator(`article[data-waitpoint-id="${older.waitpoint.waitpoint_id}"]`);
    await card.getByRole('heading', { name: 'Publish the brief on spring?' }).waitFor();
    assert.equal(await card.getByRole('link', { name: `run ${older.runId}` }).getAttribute('href'), `/runs/${older.runId}`);
    // Every control of the generated form has a label.
    const unlabelled = await card.locator('form').evaluate((form) =>
      Array.from(form.querySelectorAll('input, textarea, select')).filter((el) => (el as HTMLInputElement).labels?.length === 0).map((el) => el.getAttribute('name')));
    assert.deepEqual(unlabelled, []);
    for (const label of ['Comment', 'Score', 'Channel', 'urgent']) await card.getByLabel(label).waitFor();

    // The API judges the data: its per-field details appear under the fields.
    await card.getByLabel('Score').fill('lots');
    await card.getByRole('button', { name: 'Approve' }).click();
    await card.getByText('Comment is required').waitFor();
    await card.getByText(/Score must be/).waitFor();
    assert.equal((await server.api('GET', `/waitpoints/${older.waitpoint.waitpoint_id}`)).body.status, 'OPEN');

    await card.getByLabel('Comment').fill('Looks good, ship it.');
    await card.getByLabel('Score').fill('5');
    await card.getByLabel('Channel').selectOption('newsletter');
    await card.getByLabel('urgent').check();
    await card.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('status').filter({ hasText: 'Approved: Publish the brief on spring?' }).waitFor();
    await card.waitFor({ state: 'detached' });

    const run = await server.waitForStatus(older.runId, ['COMPLETED', 'FAILED']);
    assert.equal(run.status, 'COMPLETED');
    assert.equal(run.output.decision, 'approved');
    assert.deepEqual(run.output.data, { comment: 'Looks good, ship it.', score: 5, channel: 'newsletter', urgent: true });
    assert.equal(run.output.by, 'test');

    await page.getByRole('link', { name: 'View the run' }).click();
    await page.waitForURL(`${server.url}/runs/${older.runId}`);
    const row = page.locator(`section[aria-labelledby="waitpoints-heading"] tr[data-waitpoint-id="${older.waitpoint.waitpoint_id}"]`);
    await row.getByText('COMPLETED').waitFor();
    const cells = await row.locator('td').allInnerTexts();
    assert.match(cells[0]!, /review/);
    assert.equal(cells[1], 'approval');
    assert.match(cells[3]!, /approved/);
    assert.equal(cells[4], 'test');
    assert.notEqual(cells[5], '');
    assert.deepEqual(consoleErrors, []);
  });

  it('rejects on the approval page approve_url opens; the run fails and its page says rejected', async () => {
    const { runId, waitpoint } = await start('winter');
    assert.ok(waitpoint.approve_url.startsWith(`${server.url}/approvals/`), waitpoint.approve_url);
    // As from a notification: a browser not signed in opens the link, signs in and stays on the approval.
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const linked = await fresh.newPage();
    linked.setDefaultTimeout(30_000);
    linked.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
    await linked.goto(waitpoint.approve_url);
    await linked.getByLabel('API token').fill(server.token);
    await linked.getByRole('button', { name: 'Sign in' }).click();
    await linked.getByRole('heading', { name: 'Publish the brief on winter?', level: 1 }).waitFor();
    assert.equal(new URL(linked.url()).pathname, `/approvals/${waitpoint.waitpoint_id}`);
    await linked.getByLabel('Comment').fill('Not this week.');
    await linked.getByRole('button', { name: 'Reject' }).click();
    await linked.getByTestId('waitpoint-outcome').filter({ hasText: 'rejected by test' }).waitFor();
    await fresh.close();

    const run = await server.waitForStatus(runId, ['COMPLETED', 'FAILED']);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.error.code, 'WORKFLOW_FAILED');
    assert.match(run.error.message, /rejected/);
    const stored = (await server.api('GET', `/waitpoints/${waitpoint.waitpoint_id}`)).body;
    assert.deepEqual({ status: stored.status, decision: stored.decision, data: stored.data }, { status: 'COMPLETED', decision: 'rejected', data: { comment: 'Not this week.', urgent: false } });

    await page.goto(waitpoint.approve_url);
    await page.getByTestId('waitpoint-outcome').filter({ hasText: 'rejected by test' }).waitFor();
    await page.getByRole('link', { name: `run ${runId}` }).click();
    const row = page.locator(`tr[data-waitpoint-id="${waitpoint.waitpoint_id}"]`);
    await row.getByText('rejected').waitFor();
    // The Approvals page no longer lists it (only the 'autumn' approval is still open).
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' }).click();
    await page.locator('article.approval').first().waitFor();
    assert.equal(await page.locator(`article[data-waitpoint-id="${waitpoint.waitpoint_id}"]`).count(), 0);
    assert.equal(await page.locator('article.approval').count(), 1);
    assert.deepEqual(consoleErrors, []);
  });
});
