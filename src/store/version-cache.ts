import type { WorkflowStore } from './workflow-store.js';
import type { WorkflowVersion } from './types.js';

/** How many published versions are kept by default; each is a parsed definition of a few KB. */
export const DEFAULT_VERSION_CACHE_SIZE = 500;

/**
 * Wraps a store so that each published workflow version is read and parsed once.
 * Versions are immutable once published, and the create path (input schema) and every
 * run start (pinned definition) ask for one, so caching is safe and was a visible share
 * of both paths (bench/ profile). Bounded, least recently used out. Cached versions are
 * deep-frozen because every caller shares the object. Built once in the composition
 * root (src/server.ts), so it serves both backends, the services and the engine.
 *
 * @example
 * const store = withVersionCache(createSqliteStore({ path: './data/slipway.db' }));
 */
export function withVersionCache<S extends WorkflowStore>(store: S, size = DEFAULT_VERSION_CACHE_SIZE): S {
  const cache = new Map<string, WorkflowVersion>();

  async function getWorkflowVersion(workspaceId: number, workflowId: string, version: number): Promise<WorkflowVersion | null> {
    const key = `${workspaceId}\u0000${workflowId}\u0000${version}`;
    const cached = cache.get(key);
    if (cached) {
      cache.delete(key);
      cache.set(key, cached);
      return cached;
    }
    const found = await store.getWorkflowVersion(workspaceId, workflowId, version);
    // Not found is not cached: the version may be published a moment later.
    if (!found) return null;
    if (cache.size >= size) cache.delete(cache.keys().next().value!);
    cache.set(key, deepFreeze(found));
    return found;
  }

  // Stores are plain objects of closures (no `this`), so a spread copy delegates safely.
  return { ...store, getWorkflowVersion };
}

/** Freezes a parsed JSON value and everything in it, so a shared cached value cannot be changed. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
