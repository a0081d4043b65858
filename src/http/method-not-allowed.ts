import type { FastifyInstance } from 'fastify';

/**
 * Remembers every route as it is registered, so that a request that found no route can be
 * told apart: a known path with the wrong method answers 405 `method_not_allowed` with an
 * `Allow` header (SPEC §1), anything else 404. Wildcard routes (the dashboard's static files)
 * are left out: they would make every path "known".
 *
 * @example
 * const allowedMethods = trackRouteMethods(app);   // before the routes are registered
 * allowedMethods('/workflow-service/api/public/v1/workflows/x') // ['GET', 'HEAD']
 */
export function trackRouteMethods(app: FastifyInstance): (path: string) => string[] {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    routes.push({ pattern: routePattern(route.url), methods });
  });
  return (path) => {
    const allowed = new Set<string>();
    const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
    for (const route of routes) if (route.pattern.test(trimmed)) route.methods.forEach((m) => allowed.add(m.toUpperCase()));
    return [...allowed].sort();
  };
}

function routePattern(url: string): RegExp {
  const trimmed = url.length > 1 ? url.replace(/\/+$/, '') : url;
  const source = trimmed
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}
