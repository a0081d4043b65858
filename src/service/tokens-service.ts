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
   * Settings > API Tokens): the new token's creator names the caller's token. A token
   * cannot create one that outlives it (SPEC §2): 403 `forbidden`.
   */
  async function createTokenAsCaller(input: { workspaceId: number; callerTokenId: string; name: string; expires: TokenExpiry }): Promise<CreatedToken> {
    const caller = await deps.store.getToken(input.workspaceId, input.callerTokenId);
    if (!caller) throw new AppError('forbidden', 'The calling token is not a token of this workspace.');
    const expiresAt = expiryToTimestamp(input.expires, deps.clock.now());
    if (outlives(expiresAt, caller.expiresAt)) {
      throw new AppError('forbidden', `A token cannot create a token that outlives it: this token expires at ${new Date(caller.expiresAt!).toISOString()}, a token that ${input.expires === 'never' ? 'never expires' : `expires in ${input.expires}`} would outlive it. Create it with a token that lives longer (e.g. from the CLI: slipway token create).`);
    }
    return createToken({ workspaceId: input.workspaceId, name: input.name.trim(), expires: input.expires, createdBy: `token "${caller.name}" (${caller.preview})` });
  }

  /**
   * Revokes a token of the workspace and returns it. Revoking an already revoked token
   * is not an error (the caller's intent holds); an unknown token is `not_found`. With
   * `callerTokenId` (a request's token), a token cannot revoke one that outlives it —
   * a short-lived token that leaks cannot lock the owner out — but may revoke itself.
   */
  async function revokeTokenById(workspaceId: number, tokenId: string, callerTokenId?: string): Promise<ApiToken> {
    const target = await deps.store.getToken(workspaceId, tokenId);
    if (!target) throw new AppError('not_found', `No API token "${tokenId}" in this workspace.`);
    if (callerTokenId !== undefined && callerTokenId !== tokenId && target.revokedAt === null) {
      const caller = await deps.store.getToken(workspaceId, callerTokenId);
      if (!caller || outlives(target.expiresAt, caller.expiresAt)) {
        throw new AppError('forbidden', `A token cannot revoke a token that outlives it: "${target.name}" ${target.expiresAt === null ? 'never expires' : `expires at ${new Date(target.expiresAt).toISOString()}`}, after this token.`);
      }
    }
    await deps.store.revokeToken(workspaceId, tokenId, deps.clock.now());
    return (await deps.store.getToken(workspaceId, tokenId)) ?? target;
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

/** True when a token expiring at `expiresAt` (null: never) would outlive one expiring at `limit`. */
function outlives(expiresAt: number | null, limit: number | null): boolean {
  if (limit === null) return false;
  return expiresAt === null || expiresAt > limit;
}

export type TokensService = ReturnType<typeof createTokensService>;
