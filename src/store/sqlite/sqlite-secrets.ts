import type { SecretStore } from '../secret-store.js';
import { SECRET_USE_RESOLUTION_MS, toStoredSecret } from '../secret-rows.js';
import type { SqliteDeps } from './sqlite-deps.js';

/** Workspace secrets of the SQLite store (sealed values only). */
export function createSqliteSecrets(deps: SqliteDeps): SecretStore {
  const { one, all, run } = deps;
  const submit = <T>(work: () => T): Promise<T> => deps.writes.submit(work);

  return {
    async putSecret({ workspaceId, name, sealed, now }) {
      const row = await submit(() => one(
        `INSERT INTO secrets (workspace_id, name, sealed, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (workspace_id, name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at
         RETURNING *`,
        workspaceId, name, sealed, now, now,
      ));
      return toStoredSecret(row!);
    },

    async listSecrets(workspaceId) {
      return all('SELECT * FROM secrets WHERE workspace_id = ? ORDER BY name', workspaceId).map(toStoredSecret);
    },

    async deleteSecret(workspaceId, name) {
      return submit(() => run('DELETE FROM secrets WHERE workspace_id = ? AND name = ?', workspaceId, name).changes === 1);
    },

    async markSecretsUsed(workspaceId, names, now) {
      if (names.length === 0) return;
      await submit(() => {
        for (const name of names) {
          run('UPDATE secrets SET last_used_at = ? WHERE workspace_id = ? AND name = ? AND (last_used_at IS NULL OR last_used_at < ?)',
            now, workspaceId, name, now - SECRET_USE_RESOLUTION_MS);
        }
      });
    },

    async listAllSecrets() {
      return all('SELECT * FROM secrets ORDER BY workspace_id, name').map(toStoredSecret);
    },

    async resealSecret(workspaceId, name, sealed) {
      return submit(() => run('UPDATE secrets SET sealed = ? WHERE workspace_id = ? AND name = ?', sealed, workspaceId, name).changes === 1);
    },
  };
}
