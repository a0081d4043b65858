import { toOrganization, toToken, toWorkspace } from '../rows.js';
import type { NewWorkspace, TenancyStore } from '../tenancy-store.js';
import type { Organization, TokenWithWorkspace, Workspace } from '../types.js';
import type { SqliteDeps } from './sqlite-deps.js';

/** Organizations, workspaces and API tokens, SQLite dialect. */
export function createSqliteTenancy(deps: SqliteDeps): TenancyStore {
  const { one, all, run, writes } = deps;

  function createOrganizationSync(name: string, now: number): Organization {
    return toOrganization(one('INSERT INTO organizations (name, created_at) VALUES (?, ?) RETURNING *', name, now)!);
  }

  function createWorkspaceSync(input: NewWorkspace): Workspace {
    let organizationId = input.organizationId;
    if (organizationId === null) {
      const first = one('SELECT id FROM organizations ORDER BY id LIMIT 1');
      organizationId = first ? Number(first.id) : createOrganizationSync('default', input.now).id;
    }
    const row = one(
      `INSERT INTO workspaces (organization_id, name, daily_run_limit, concurrent_run_limit, created_at)
       VALUES (?, ?, ?, ?, ?) RETURNING *`,
      organizationId, input.name, input.dailyRunLimit, input.concurrentRunLimit, input.now,
    )!;
    return toWorkspace(row);
  }

  return {
    async createOrganization(name, now) {
      return writes.submit(() => createOrganizationSync(name, now));
    },

    async getOrganization(id) {
      const row = one('SELECT * FROM organizations WHERE id = ?', id);
      return row ? toOrganization(row) : null;
    },

    async createWorkspace(input) {
      return writes.submit(() => createWorkspaceSync(input));
    },

    async getWorkspace(id) {
      const row = one('SELECT * FROM workspaces WHERE id = ?', id);
      return row ? toWorkspace(row) : null;
    },

    async listWorkspaces() {
      return all('SELECT * FROM workspaces ORDER BY id').map(toWorkspace);
    },

    async createDefaultWorkspaceIfEmpty(now) {
      return writes.submit(() => {
        if (one('SELECT 1 FROM workspaces LIMIT 1')) return null;
        return createWorkspaceSync({ name: 'default', organizationId: null, dailyRunLimit: null, concurrentRunLimit: null, now });
      });
    },

    async createToken(token) {
      await writes.submit(() => run(
        `INSERT INTO api_tokens (id, workspace_id, name, created_by, preview, hash, created_at, expires_at, last_used_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        token.id, token.workspaceId, token.name, token.createdBy, token.preview, token.hash,
        token.createdAt, token.expiresAt, token.lastUsedAt, token.revokedAt,
      ));
    },

    async findTokenByHash(hash): Promise<TokenWithWorkspace | null> {
      const token = one('SELECT * FROM api_tokens WHERE hash = ?', hash);
      if (!token) return null;
      const workspace = one('SELECT * FROM workspaces WHERE id = ?', token.workspace_id)!;
      return { token: toToken(token), workspace: toWorkspace(workspace) };
    },

    async listTokens(workspaceId) {
      return all('SELECT * FROM api_tokens WHERE workspace_id = ? ORDER BY created_at DESC, id', workspaceId).map(toToken);
    },

    async getToken(workspaceId, tokenId) {
      const row = one('SELECT * FROM api_tokens WHERE workspace_id = ? AND id = ?', workspaceId, tokenId);
      return row ? toToken(row) : null;
    },

    async revokeToken(workspaceId, tokenId, now) {
      const result = await writes.submit(() => run(
        'UPDATE api_tokens SET revoked_at = ? WHERE workspace_id = ? AND id = ? AND revoked_at IS NULL',
        now, workspaceId, tokenId,
      ));
      return result.changes === 1;
    },

    async recordTokenUse(tokenId, now) {
      // Recorded lazily (SPEC §2): under another process's lock the request goes on without it.
      await writes.submitUnlessBusy(() => run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', now, tokenId));
    },
  };
}
