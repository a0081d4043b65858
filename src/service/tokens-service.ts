import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { newUuid } from '../core/ids.js';
import { expiryToTimestamp, generateToken, hashToken, tokenPreview, type TokenExpiry } from '../auth/tokens.js';
import type { ApiToken, Store } from '../store/store.js';

export interface CreatedToken {
  /** The full token: shown once, never stored. */
  token: string;
  record: ApiToken;
}

/** Creating, listing and revoking API tokens of a workspace. */
export function createTokensService(deps: { store: Store; clock: Clock }) {
  async function createToken(input: { workspaceId: number; name: string; expires: TokenExpiry; createdBy: string }): Promise<CreatedToken> {
    const now = deps.clock.now();
    const token = generateToken();
    const record: ApiToken = {
      id: newUuid(),
      workspaceId: input.workspaceId,
      name: input.name,
      createdBy: input.createdBy,
      preview: tokenPreview(token),
      hash: hashToken(token),
      createdAt: now,
      expiresAt: expiryToTimestamp(input.expires, now),
      lastUsedAt: null,
      revokedAt: null,
    };
    await deps.store.createToken(record);
    return { token, record };
  }

  /**
   * Creates a token on behalf of the token making the request (the dashboard's
   * Settings > API Tokens): the new token's creator names the caller's token.
   */
  async function createTokenAsCaller(input: { workspaceId: number; callerTokenId: string; name: string; expires: TokenExpiry }): Promise<CreatedToken> {
    const caller = await deps.store.getToken(input.workspaceId, input.callerTokenId);
    const createdBy = caller ? `token "${caller.name}" (${caller.preview})` : 'API';
    return createToken({ workspaceId: input.workspaceId, name: input.name.trim(), expires: input.expires, createdBy });
  }

  /**
   * Revokes a token of the workspace and returns it. Revoking an already revoked token
   * is not an error (the caller's intent holds); an unknown token is `not_found`.
   */
  async function revokeTokenById(workspaceId: number, tokenId: string): Promise<ApiToken> {
    await deps.store.revokeToken(workspaceId, tokenId, deps.clock.now());
    const token = await deps.store.getToken(workspaceId, tokenId);
    if (!token) throw new AppError('not_found', `No API token "${tokenId}" in this workspace.`);
    return token;
  }

  return {
    createToken,
    createTokenAsCaller,
    revokeTokenById,
    listTokens: (workspaceId: number) => deps.store.listTokens(workspaceId),
    /** Returns false when the token is unknown in the workspace or already revoked. */
    revokeToken: (workspaceId: number, tokenId: string) => deps.store.revokeToken(workspaceId, tokenId, deps.clock.now()),
  };
}

export type TokensService = ReturnType<typeof createTokensService>;
