import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { API_PREFIX } from '../api/schemas.js';

/**
 * The dashboard's content security policy: only our own scripts and API. Rendered
 * Markdown is sanitized in the browser too; this is the second line.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the built dashboard (web/ → `webRoot`) at `/`: files as they are, and
 * index.html for every other GET that asks for a page (client-side routes such as
 * /runs/<id>). API paths never fall back: an unknown API route keeps answering the
 * JSON error body. Returns the not-found handler's page fallback, or null when the
 * dashboard is not built.
 */
export async function registerDashboard(app: FastifyInstance, webRoot: string | null): Promise<DashboardFallback> {
  if (webRoot === null || !existsSync(join(webRoot, 'index.html'))) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .status(503)
        .type('text/html; charset=utf-8')
        .send('<!doctype html><title>Slipway</title><p>The dashboard is not built. Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it when missing) and reload.</p>' +
          `<p>The API reference is at <a href="${API_PREFIX}/docs">${API_PREFIX}/docs</a>.</p>`),
    );
    return () => false;
  }
  await app.register(fastifyStatic, {
    root: webRoot,
    prefix: '/',
    wildcard: false,
    index: 'index.html',
    setHeaders(reply, path) {
      reply.header('Content-Security-Policy', CSP);
      reply.header('X-Content-Type-Options', 'nosniff');
      // Vite names assets by content hash; index.html must always be fetched anew.
      reply.header('Cache-Control', path.includes(join('assets', '')) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return (request, reply) => {
    if (!wantsPage(request)) return false;
    void reply.sendFile('index.html');
    return true;
  };
}

/** Sends the dashboard page for a client-side route; false when the request is not one. */
export type DashboardFallback = (request: FastifyRequest, reply: FastifyReply) => boolean;

function wantsPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?')[0] ?? '';
  if (path.startsWith(API_PREFIX) || path === '/healthz' || path === '/readyz') return false;
  // A missing file (e.g. /assets/old.js) is a 404, not the page.
  if (/\.[A-Za-z0-9]+$/.test(path)) return false;
  // Browsers navigating ask for text/html; API clients and curl (*/*) get the JSON 404.
  return (request.headers.accept ?? '').includes('text/html');
}
