import type { StoredSecret } from './secret-store.js';

type Row = Record<string, unknown>;

/** Row → record for both dialects (PostgreSQL hands bigints over as strings). */
export function toStoredSecret(row: Row): StoredSecret {
  return {
    workspaceId: Number(row.workspace_id),
    name: String(row.name),
    sealed: String(row.sealed),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastUsedAt: row.last_used_at === null || row.last_used_at === undefined ? null : Number(row.last_used_at),
  };
}

/** A use is recorded at most this often per secret, so running steps do not write on every attempt. */
export const SECRET_USE_RESOLUTION_MS = 60_000;
