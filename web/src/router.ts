import { useEffect, useState } from 'preact/hooks';

/**
 * A tiny history router: the server answers index.html for every page path, so
 * `/runs/<id>` can be bookmarked and reloaded.
 */

const listeners = new Set<() => void>();

export function navigate(to: string, options: { replace?: boolean } = {}) {
  if (to === currentUrl()) return;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

function currentUrl(): string {
  return location.pathname + location.search;
}

/** The current path and query; re-renders on navigation (links and back/forward). */
export function useLocation(): { path: string; query: URLSearchParams } {
  const [url, setUrl] = useState(currentUrl);
  useEffect(() => {
    const update = () => setUrl(currentUrl());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  const [path = '/', search = ''] = url.split('?');
  return { path, query: new URLSearchParams(search) };
}

/** Changes some query parameters of the current page, keeping the others. */
export function setQuery(values: Record<string, string | undefined>, options: { replace?: boolean } = {}) {
  const query = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === '') query.delete(key);
    else query.set(key, value);
  }
  const qs = query.toString();
  navigate(location.pathname + (qs ? `?${qs}` : ''), options);
}

/** Matches `/runs/:id`-style patterns; returns the decoded parameters or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.replace(/\/$/, '').split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return null;
  }
  return params;
}
