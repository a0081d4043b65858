import type { Store } from '../../store/store.js';

/**
 * Puts a test file's `secrets:` into the throwaway database, so `{{ secrets.NAME }}` resolves
 * in its runs (SPEC §13). This build has no secrets store yet (issue 17): a file that names
 * secrets fails with a message saying so rather than running steps without them.
 */
export async function seedSecrets(input: { store: Store; workspaceId: number; secrets: Record<string, string> }): Promise<{ ok: true } | { ok: false; message: string }> {
  const names = Object.keys(input.secrets);
  if (names.length === 0) return { ok: true };
  return { ok: false, message: `secrets: ${names.join(', ')} cannot be set: this build of Slipway has no secrets store (SPEC §13)` };
}
