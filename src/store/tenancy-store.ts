import type { ApiToken, Organization, TokenWithWorkspace, Workspace } from './types.js';

/** Organizations, workspaces and the API tokens that open them. */
export interface TenancyStore {
  createOrganization(name: string, now: number): Promise<Organization>;
  getOrganization(id: number): Promise<Organization | null>;
  /** Creates a workspace; `organizationId` null means the first organization (created if none). */
  createWorkspace(input: NewWorkspace): Promise<Workspace>;
  getWorkspace(id: number): Promise<Workspace | null>;
  listWorkspaces(): Promise<Workspace[]>;
  /**
   * Creates the default organization and workspace when the database has no workspace
   * at all, atomically; returns the new workspace, or null when one existed already.
   */
  createDefaultWorkspaceIfEmpty(now: number): Promise<Workspace | null>;

  createToken(token: ApiToken): Promise<void>;
  findTokenByHash(hash: string): Promise<TokenWithWorkspace | null>;
  listTokens(workspaceId: number): Promise<ApiToken[]>;
  getToken(workspaceId: number, tokenId: string): Promise<ApiToken | null>;
  /** Revokes a live token; returns false when unknown in the workspace or already revoked. */
  revokeToken(workspaceId: number, tokenId: string, now: number): Promise<boolean>;
  recordTokenUse(tokenId: string, now: number): Promise<void>;
}

export interface NewWorkspace {
  name: string;
  organizationId: number | null;
  dailyRunLimit: number | null;
  concurrentRunLimit: number | null;
  now: number;
}
