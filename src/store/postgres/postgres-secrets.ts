import type { SecretStore } from '../secret-store.js';
import { SECRET_USE_RESOLUTION_MS, toStoredSecret } from '../secret-rows.js';
import type { PostgresDeps } from './postgres-deps.js';

/** Workspace secrets of the PostgreSQL store (sealed values only). */
export function createPostgresSecrets(deps: PostgresDeps): SecretStore {
  const { query, one } = deps;

  return {
    async putSecret({ workspaceId, name, sealed, now }) {
      const row = await one(
        `INSERT INTO secrets (workspace_id, name, sealed, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (workspace_id, name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at
         RETURNING *`,
        [workspaceId, name, sealed, now],
      );
      return toStoredSecret(row!);
    },

    async listSecrets(workspaceId) {
      return (await query('SELECT * FROM secrets WHERE workspace_id = $1 ORDER BY name', [workspaceId])).map(toStoredSecret);
    },

    async deleteSecret(workspaceId, name) {
      return (await query('DELETE FROM secrets WHERE workspace_id = $1 AND name = $2 RETURNING 1', [workspaceId, name])).length === 1;
    },

    async markSecretsUsed(workspaceId, names, now) {
      if (names.length === 0) return;
      await query(
        `UPDATE secrets SET last_used_at = $1 WHERE workspace_id = $2 AND name = ANY($3::text[])
           AND (last_used_at IS NULL OR last_used_at < $4)`,
        [now, workspaceId, [...names], now - SECRET_USE_RESOLUTION_MS],
      );
    },

    async listAllSecrets() {
      return (await query('SELECT * FROM secrets ORDER BY workspace_id, name')).map(toStoredSecret);
    },

    async resealSecret(workspaceId, name, sealed) {
      return (await query('UPDATE secrets SET sealed = $1 WHERE workspace_id = $2 AND name = $3 RETURNING 1', [sealed, workspaceId, name])).length === 1;
    },
  };
}
