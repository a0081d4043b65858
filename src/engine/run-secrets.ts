import { randomUUID } from 'node:crypto';

/** Where the engine gets a workspace's secrets in clear (the secrets service, in server.ts). */
export interface SecretSource {
  /** Name → value; `fresh` reads past any cache (a step names a secret not seen yet). */
  values(workspaceId: number, options?: { fresh?: boolean }): Promise<Map<string, string>>;
  markUsed(workspaceId: number, names: readonly string[]): Promise<void>;
}

/** A source for hosts and tests without secrets. */
export const NO_SECRETS: SecretSource = { values: async () => new Map(), markUsed: async () => {} };

/** What a secret's value becomes in everything stored or returned. */
export const MASK = '****';

/** The one accepted form, `{{ secrets.NAME }}` (apply refuses any other use of `secrets`). */
const PLACEHOLDER = /\{\{\s*secrets\.([A-Z][A-Z0-9_]{0,63})\s*\}\}/g;

export type Resolved = { kind: 'resolved'; value: unknown; used: string[] } | { kind: 'missing'; name: string };

/**
 * The secrets of one execution of one run (SPEC §13). A step type that takes secrets gets
 * its definition's placeholders swapped for sentinels before its `with` is evaluated: a
 * sentinel carries a random per-execution nonce, so no expression result or run input can
 * forge one (a value of "{{ secrets.X }}" typed into an input stays text). The checkpoint
 * keeps the placeholder (`forStorage`), the step receives the values (`resolve`), and every
 * value that is stored — outputs, errors, the run's output — passes `mask`, which replaces
 * any of the workspace's secret values by `****`.
 */
export function createRunSecrets(source: SecretSource, workspaceId: number) {
  // Made when the first placeholder is protected: most steps have none, and their inputs are
  // then passed through as they are (a walk that copies every input twice per step was 7 % of
  // a worker's busy time, issue 10 profile).
  let marks: { prefix: string; pattern: RegExp } | null = null;
  const sentinelMarks = () => {
    if (marks === null) {
      const nonce = randomUUID();
      marks = { prefix: `\u0000secret:${nonce}:`, pattern: new RegExp(`\u0000secret:${nonce}:([A-Z][A-Z0-9_]{0,63})\u0000`, 'g') };
    }
    return marks;
  };
  const sentinel = (name: string) => `${sentinelMarks().prefix}${name}\u0000`;
  /** The sentinel pattern when `value` holds a sentinel; null otherwise (nothing was protected, or not here). */
  const sentinelsIn = (value: unknown): RegExp | null => {
    const made = marks;
    return made !== null && someString(value, (text) => text.includes(made.prefix)) ? made.pattern : null;
  };
  let values: Map<string, string> | null = null;

  const load = async (fresh = false) => (values = await source.values(workspaceId, { fresh }));

  return {
    /** Definition placeholders → sentinels that `{{ }}` evaluation leaves alone. */
    protect(raw: unknown): unknown {
      return mapStrings(raw, (text) => text.replace(PLACEHOLDER, (_, name: string) => sentinel(name)));
    },

    /** What the checkpoint keeps: the placeholder, never the value. */
    forStorage(value: unknown): unknown {
      const SENTINEL = sentinelsIn(value);
      if (SENTINEL === null) return value;
      return mapStrings(value, (text) => text.replace(SENTINEL, (_, name: string) => `{{ secrets.${name} }}`));
    },

    /** The step's input with the values filled in, or the first secret the workspace lacks. */
    async resolve(value: unknown): Promise<Resolved> {
      const SENTINEL = sentinelsIn(value);
      if (SENTINEL === null) return { kind: 'resolved', value, used: [] };
      const names = new Set<string>();
      mapStrings(value, (text) => {
        for (const match of text.matchAll(SENTINEL)) names.add(match[1]!);
        return text;
      });
      if (names.size === 0) return { kind: 'resolved', value, used: [] };
      let known = values ?? (await load());
      if ([...names].some((name) => !known.has(name))) known = await load(true);
      const missing = [...names].find((name) => !known.has(name));
      if (missing) return { kind: 'missing', name: missing };
      const resolved = mapStrings(value, (text) => text.replace(SENTINEL, (_, name: string) => known.get(name)!));
      void source.markUsed(workspaceId, [...names]).catch(() => {});
      return { kind: 'resolved', value: resolved, used: [...names] };
    },

    /** `value` with every secret value of the workspace replaced by `****`. */
    async mask<T>(value: T): Promise<T> {
      const known = values ?? (await load());
      if (known.size === 0 || value === null || value === undefined) return value;
      // Longest first, so a secret that contains another is masked whole.
      const secrets = [...known.values()].sort((a, b) => b.length - a.length);
      return mapStrings(value, (text) => secrets.reduce((masked, secret) => (masked.includes(secret) ? masked.split(secret).join(MASK) : masked), text)) as T;
    },
  };
}

export type RunSecrets = ReturnType<typeof createRunSecrets>;

/** True when `test` holds for a string in `value` (keys of objects included); copies nothing. */
function someString(value: unknown, test: (text: string) => boolean): boolean {
  if (typeof value === 'string') return test(value);
  if (Array.isArray(value)) return value.some((item) => someString(item, test));
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) if (test(key) || someString(item, test)) return true;
  }
  return false;
}

/** A copy of `value` with `fn` applied to every string in it (keys of objects included). */
function mapStrings(value: unknown, fn: (text: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, fn));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [fn(key), mapStrings(item, fn)]));
  }
  return value;
}
