import type pg from 'pg';
import { type Row, toOrganization, toToken, toWorkspace } from '../rows.js';
import type { NewWorkspace, TenancyStore } from '../tenancy-store.js';
import type { TokenWithWorkspace, Workspace } from '../types.js';
import type { PostgresDeps } from './postgres-deps.js';

/** A fixed advisory lock key serializing "first organization / default workspace" creation. */
const TENANCY_LOCK_KEY = '7236278917363050';

/** Organizations, workspaces and API tokens, PostgreSQL dialect. */
export function createPostgresTenancy(deps: PostgresDeps): TenancyStore {
  const { query, one, transaction } = deps;

  async function createWorkspaceIn(client: pg.PoolClient, input: NewWorkspace): Promise<Workspace> {
    let organizationId = input.organizationId;
    if (organizationId === null) {
      await client.query('SELECT pg_advisory_xact_lock($1)', [TENANCY_LOCK_KEY]);
      const first = (await client.query('SELECT id FROM organizations ORDER BY id LIMIT 1')).rows[0];
      organizationId = first
        ? Number(first.id)
        : Number((await client.query('INSERT INTO organizations (name, created_at) VALUES ($1, $2) RETURNING id', ['default', input.now])).rows[0].id);
    }
    const row = (await client.query(
      `INSERT INTO workspaces (organization_id, name, daily_run_limit, concurrent_run_limit, created_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [organizationId, input.name, input.dailyRunLimit, input.concurrentRunLimit, input.now],
    )).rows[0];
    return toWorkspace(row);
  }

  return {
    async createOrganization(name, now) {
      return toOrganization((await one('INSERT INTO organizations (name, created_at) VALUES ($1, $2) RETURNING *', [name, now]))!);
    },

    async getOrganization(id) {
      const row = await one('SELECT * FROM organizations WHERE id = $1', [id]);
      return row ? toOrganization(row) : null;
    },

    async createWorkspace(input) {
      return transaction((client) => createWorkspaceIn(client, input));
    },

    async getWorkspace(id) {
      const row = await one('SELECT * FROM workspaces WHERE id = $1', [id]);
      return row ? toWorkspace(row) : null;
    },

    async listWorkspaces() {
      return (await query('SELECT * FROM workspaces ORDER BY id')).map(toWorkspace);
    },

    async createDefaultWorkspaceIfEmpty(now) {
      return transaction(async (client) => {
        // Two `serve` processes starting on an empty database: only one creates it.
        await client.query('SELECT pg_advisory_xact_lock($1)', [TENANCY_LOCK_KEY]);
        if ((await client.query('SELECT 1 FROM workspaces LIMIT 1')).rows.length > 0) return null;
        return createWorkspaceIn(client, { name: 'default', organizationId: null, dailyRunLimit: null, concurrentRunLimit: null, now });
      });
    },

    async createToken(token) {
      await query(
        `INSERT INTO api_tokens (id, workspace_id, name, created_by, preview, hash, created_at, expires_at, last_used_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [token.id, token.workspaceId, token.name, token.createdBy, token.preview, token.hash, token.createdAt, token.expiresAt, token.lastUsedAt, token.revokedAt],
      );
    },

    async findTokenByHash(hash): Promise<TokenWithWorkspace | null> {
      // The token and its workspace in one round trip (every authenticated request asks).
      const [row] = await query(
        'SELECT to_json(t) AS token, to_json(w) AS workspace FROM api_tokens t JOIN workspaces w ON w.id = t.workspace_id WHERE t.hash = $1',
        [hash], { prepared: 'tenancy-token-by-hash' });
      if (!row) return null;
      return { token: toToken(JSON.parse(row.token as string) as Row), workspace: toWorkspace(JSON.parse(row.workspace as string) as Row) };
    },

    async listTokens(workspaceId) {
      return (await query('SELECT * FROM api_tokens WHERE workspace_id = $1 ORDER BY created_at DESC, id', [workspaceId])).map(toToken);
    },

    async getToken(workspaceId, tokenId) {
      const row = await one('SELECT * FROM api_tokens WHERE workspace_id = $1 AND id = $2', [workspaceId, tokenId]);
      return row ? toToken(row) : null;
    },

    async revokeToken(workspaceId, tokenId, now) {
      const rows = await query(
        'UPDATE api_tokens SET revoked_at = $1 WHERE workspace_id = $2 AND id = $3 AND revoked_at IS NULL RETURNING id',
        [now, workspaceId, tokenId],
      );
      return rows.length === 1;
    },

    async recordTokenUse(tokenId, now) {
      await query('UPDATE api_tokens SET last_used_at = $1 WHERE id = $2', [now, tokenId]);
    },
  };
}
