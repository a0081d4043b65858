import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild } from '../scripts/ensure-web-build.js';
import { launchPage, signIn } from './support/browser.js';
import { startFakeOpenAi } from './support/fake-openai.js';
import type { HttpPeer } from './support/http-peer.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * The run page follows the run's event stream (no polling): its step graph (one SVG, boxes
 * with data-step-id and data-status, map items grouped) changes colour live, the waterfall
 * grows, streamed LLM text appears while it arrives; the workflow page draws the definition.
 */

const LIVE = `
id: live-graph
name: Live graph
steps:
  - id: first
    type: transform
    with: { value: [1, 2, 3] }
  - id: pause
    type: delay
    needs: [first]
    # Long enough for a loaded machine to open the page and draw the graph while it waits.
    with: { duration: 8s }
  - id: each
    type: map
    needs: [first]
    with:
      items: "{{ steps.first.output }}"
      steps:
        - { id: twice, type: transform, with: { value: "{{ item * 2 }}" } }
  - id: ask
    type: llm
    needs: [pause, each]
    with: { model: gpt-test, prompt: "${Array.from({ length: 20 }, (_, i) => `token${i}`).join(' ')}", stream: true }
`;

describe('dashboard: live run graph, waterfall and streamed text', () => {
  let server: TestServer;
  let llm: HttpPeer & { baseUrl: string };
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];
  const eventRequests: { url: string; authorization: string | undefined }[] = [];

  before(async () => {
    ensureWebBuild();
    llm = await startFakeOpenAi({ streamChunkMs: 150 });
    server = await startTestServer({ concurrency: 2, env: { SLIPWAY_LLM_BASE_URL: llm.baseUrl, SLIPWAY_LLM_API_KEY: 'test-key' } });
    await server.publish(LIVE);
    ({ browser, page, consoleErrors } = await launchPage({ timeoutMs: 30_000 }));
    page.on('request', (request) => {
      if (request.url().includes('/events')) eventRequests.push({ url: request.url(), authorization: request.headers().authorization });
    });
    await signIn(page, server.url, server.token);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await llm?.close();
  });

  it('colours the graph by live status, groups map items, streams LLM text and draws the waterfall', async () => {
    const created = await server.api('POST', '/workflows/live-graph/runs', { body: { inputs: {} } });
    const runId = created.body.run_id;
    await page.goto(`${server.url}/runs/${runId}`);
    const graph = page.locator('svg.step-graph');
    await graph.waitFor();
    assert.equal(await page.locator('svg.step-graph').count(), 1, 'one SVG');
    const box = (id: string) => graph.locator(`g[data-step-id="${id}"]`);
    for (const id of ['first', 'pause', 'each', 'ask']) await box(id).waitFor();
    assert.ok((await graph.locator('path.graph-edge').count()) >= 4, 'arrows for needs');

    // Live: the delay is seen waiting, then everything completes — without reloading the page.
    await graph.locator('g[data-step-id="pause"][data-status="WAITING"]').waitFor();
    await graph.locator('g[data-step-id="first"][data-status="COMPLETED"]').waitFor();
    await graph.locator('g[data-step-id="each"] rect[data-item-index]').nth(2).waitFor();
    assert.equal(await graph.locator('g[data-step-id="each"] rect[data-item-index]').count(), 3, 'the map\'s items grouped in its box');
    assert.equal(await box('ask').getAttribute('data-status'), 'PENDING');
    const liveText = page.locator('[data-testid="live-text"][data-step-id="ask"] pre');
    // Streamed text appears while the step runs (the box is still RUNNING then).
    await page.locator('[data-testid="live-text"][data-step-id="ask"] pre', { hasText: /^echo: token0 token1/ }).waitFor();
    assert.notEqual(await box('ask').getAttribute('data-status'), 'COMPLETED');
    await graph.locator('g[data-step-id="ask"][data-status="COMPLETED"]').waitFor();
    await page.locator('.run-head .badge', { hasText: 'COMPLETED' }).waitFor();
    await liveText.waitFor({ state: 'detached' });
    for (const item of await graph.locator('g[data-step-id="each"] rect[data-item-index]').all()) {
      assert.equal(await item.getAttribute('data-status'), 'COMPLETED');
    }
    const fill = await box('first').locator('rect').first().evaluate((el) => getComputedStyle(el).fill);
    const pendingFill = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(fill, pendingFill, 'a completed box is coloured');

    // The waterfall: a row per attempt, the delay's wait drawn in its row.
    const rows = page.locator('.waterfall-row');
    assert.ok((await rows.count()) >= 7, `attempt rows: ${await rows.count()}`);
    assert.equal(await page.locator('.waterfall-row[data-step-id="pause"] .waterfall-wait').count(), 1);

    // The stream is fetched with the Authorization header, never a token in the URL.
    assert.ok(eventRequests.length >= 1);
    for (const request of eventRequests) {
      assert.equal(request.authorization, `Bearer ${server.token}`);
      assert.ok(!request.url.includes(server.token));
    }
    await page.screenshot({ path: 'test-results/dashboard/run-graph.png', fullPage: true }).catch(() => {});
    assert.deepEqual(consoleErrors, []);
  });

  it('draws the definition\'s graph on the workflow page', async () => {
    await page.goto(`${server.url}/workflows/live-graph`);
    const graph = page.locator('svg.step-graph');
    await graph.waitFor();
    const ids = await graph.locator('g[data-step-id]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-step-id')));
    assert.deepEqual(ids.sort(), ['ask', 'each', 'first', 'pause']);
    assert.equal(await graph.locator('g[data-step-id="first"]').getAttribute('data-status'), 'PENDING');
    assert.deepEqual(consoleErrors, []);
  });
});
