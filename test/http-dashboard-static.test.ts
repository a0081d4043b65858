import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.js';
import { startSlipway, type SlipwayServer } from '../src/server.js';
import { tempDir } from './support/test-server.js';

/**
 * How `slipway serve` serves the dashboard's files (src/http/dashboard.ts), on a stand-in
 * build so this does not depend on (or race with) the real Vite build.
 */

const API = '/workflow-service/api/public/v1';

async function serve(dir: string, webRoot: string | null): Promise<SlipwayServer> {
  const config = loadConfig({ databaseUrl: `sqlite:${join(dir, 'slipway.db')}`, host: '127.0.0.1', port: 0, concurrency: 0 }, {});
  return startSlipway({ config, http: true, examplesDir: null, logger: false, webRoot });
}

describe('dashboard files', () => {
  let dir: ReturnType<typeof tempDir>;
  let server: SlipwayServer;
  before(async () => {
    dir = tempDir();
    const web = join(dir.path, 'web');
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><div id="app"></div>');
    writeFileSync(join(web, 'assets', 'index-abc123.js'), 'console.log(1)');
    server = await serve(dir.path, web);
  });
  after(async () => {
    await server.close();
    dir.remove();
  });

  it('serves index.html at / with a strict CSP, not cached', async () => {
    const response = await fetch(server.url + '/');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(await response.text(), '<!doctype html><div id="app"></div>');
    const csp = response.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) assert.ok(csp.includes(directive), directive);
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  });

  it('serves hashed assets as immutable', async () => {
    const response = await fetch(server.url + '/assets/index-abc123.js');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /javascript/);
    assert.match(response.headers.get('cache-control') ?? '', /immutable/);
  });

  it('answers page navigations to client routes with index.html', async () => {
    for (const path of ['/runs/0190-abc', '/workflows/hello', '/settings/tokens?x=1']) {
      const response = await fetch(server.url + path, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
      assert.equal(response.status, 200, path);
      assert.match(await response.text(), /<div id="app">/, path);
    }
  });

  it('keeps JSON 404s for programs, API paths, missing files and other methods', async () => {
    const cases: [string, RequestInit][] = [
      ['/runs/0190-abc', {}], // fetch sends Accept: */*
      [API + '/nope', { headers: { accept: 'text/html' } }],
      ['/assets/missing.js', { headers: { accept: 'text/html' } }],
      ['/runs/0190-abc', { method: 'POST', headers: { accept: 'text/html' } }],
    ];
    for (const [path, init] of cases) {
      const response = await fetch(server.url + path, init);
      assert.equal(response.status, 404, `${init.method ?? 'GET'} ${path}`);
      const body = (await response.json()) as { error: string; request_id: string };
      assert.equal(body.error, 'not_found');
      assert.equal(body.request_id, response.headers.get('x-request-id'));
    }
  });

  it('does not serve files outside the build', async () => {
    const response = await fetch(server.url + '/..%2f..%2fslipway.db');
    assert.equal(response.status, 404);
    assert.notEqual(response.headers.get('content-type'), 'application/octet-stream');
  });
});

describe('dashboard not built', () => {
  it('says at / how to build it, and the API still answers', async () => {
    const dir = tempDir();
    const server = await serve(dir.path, join(dir.path, 'no-such-build'));
    try {
      const page = await fetch(server.url + '/');
      assert.equal(page.status, 503);
      assert.match(await page.text(), /npm run build:web/);
      const api = await fetch(server.url + API + '/workflows');
      assert.equal(api.status, 401);
      assert.equal(((await api.json()) as { error: string }).error, 'unauthorized');
    } finally {
      await server.close();
      dir.remove();
    }
  });
});
