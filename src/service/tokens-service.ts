import type { Clock } from '../core/clock.js';
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

  return {
    createToken,
    listTokens: (workspaceId: number) => deps.store.listTokens(workspaceId),
    /** Returns false when the token is unknown in the workspace or already revoked. */
    revokeToken: (workspaceId: number, tokenId: string) => deps.store.revokeToken(workspaceId, tokenId, deps.clock.now()),
  };
}

export type TokensService = ReturnType<typeof createTokensService>;
