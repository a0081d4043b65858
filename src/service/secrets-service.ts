import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { openSecret, sealSecret } from '../auth/secret-box.js';
import type { Store, StoredSecret } from '../store/store.js';

/** `^[A-Z][A-Z0-9_]{0,63}$` (SPEC §13). */
export const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
/** Shorter values are refused: masking them would corrupt outputs. */
export const MIN_SECRET_LENGTH = 8;
export const MAX_SECRET_LENGTH = 64 * 1024;
/** How long a process reuses a workspace's decrypted secrets before reading them again. */
const VALUES_TTL_MS = 2000;

/**
 * Workspace secrets (SPEC §13): write-only over the API; values sealed with the server's
 * key before they reach the store, opened only for the engine (`valuesFor`), which resolves
 * `{{ secrets.NAME }}` in step inputs and masks every value in what it stores.
 */
export function createSecretsService(deps: { store: Store; clock: Clock; key: Buffer | null }) {
  const { store, clock } = deps;
  const cache = new Map<number, { at: number; values: Map<string, string> }>();

  function requireKey(): Buffer {
    if (!deps.key) throw new AppError('secrets_not_configured', 'This server has no secret key: set SLIPWAY_SECRET_KEY (32 bytes, hex or base64) on every process to use secrets.');
    return deps.key;
  }

  function checkName(name: string): void {
    if (!SECRET_NAME.test(name)) {
      throw new AppError('invalid_request', `"${name.slice(0, 80)}" is not a secret name.`, {
        details: [{ path: 'params.name', message: 'must match ^[A-Z][A-Z0-9_]{0,63}$ (capitals, digits and _; a capital first)' }],
      });
    }
  }

  return {
    /** Creates or replaces a secret. */
    async putSecret(workspaceId: number, name: string, value: string): Promise<StoredSecret> {
      checkName(name);
      if (value.length < MIN_SECRET_LENGTH || value.length > MAX_SECRET_LENGTH) {
        throw new AppError('invalid_request', `A secret value must be ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH} characters.`, {
          details: [{ path: 'body.value', message: `must be at least ${MIN_SECRET_LENGTH} characters (shorter values cannot be masked safely) and at most ${MAX_SECRET_LENGTH}` }],
        });
      }
      const key = requireKey();
      const stored = await store.putSecret({ workspaceId, name, sealed: sealSecret(key, { workspaceId, name }, value), now: clock.now() });
      cache.delete(workspaceId);
      return stored;
    },

    listSecrets: (workspaceId: number) => store.listSecrets(workspaceId),

    async deleteSecret(workspaceId: number, name: string): Promise<void> {
      checkName(name);
      if (!(await store.deleteSecret(workspaceId, name))) throw new AppError('not_found', `No secret ${name} in this workspace.`);
      cache.delete(workspaceId);
    },

    /**
     * The workspace's secrets in clear, for one execution of one of its runs. Read again
     * after a short while, or at once with `fresh` (a step names a secret not in the cache).
     */
    async valuesFor(workspaceId: number, options: { fresh?: boolean } = {}): Promise<Map<string, string>> {
      const cached = cache.get(workspaceId);
      if (cached && !options.fresh && clock.now() - cached.at < VALUES_TTL_MS) return cached.values;
      const rows = await store.listSecrets(workspaceId);
      const values = new Map<string, string>();
      if (rows.length > 0) {
        const key = requireKey();
        for (const row of rows) values.set(row.name, openSecret(key, { workspaceId, name: row.name }, row.sealed));
      }
      cache.set(workspaceId, { at: clock.now(), values });
      return values;
    },

    markUsed: (workspaceId: number, names: readonly string[]) => store.markSecretsUsed(workspaceId, names, clock.now()),
  };
}

export type SecretsService = ReturnType<typeof createSecretsService>;
