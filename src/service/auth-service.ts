import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { hashToken, TOKEN_PREFIX } from '../auth/tokens.js';
import type { Store } from '../store/store.js';

/** Who is calling: resolved once per request from the bearer token. */
export interface Caller {
  workspaceId: number;
  organizationId: number;
  tokenId: string;
}

export interface AuthHeaders {
  authorization: string | undefined;
  workspaceId: string | undefined;
  organizationId: string | undefined;
}

/** How often a token's last-used date is written at most (SPEC §2 allows lazy recording). */
const LAST_USED_GRANULARITY_MS = 60_000;

/**
 * Authenticates a request (SPEC §2): `Authorization: Bearer slat_…`, the token known,
 * not revoked, not expired; and `X-Workspace-Id` / `X-Organization-Id`, when sent,
 * matching the token's. Revocation and expiry take effect on the next request
 * because every request reads the token's row.
 */
export function createAuthService(deps: { store: Store; clock: Clock }) {
  const unauthorized = (message: string) => new AppError('unauthorized', message);

  async function authenticate(headers: AuthHeaders): Promise<Caller> {
    const header = headers.authorization;
    if (!header) throw unauthorized('Missing Authorization header; send "Authorization: Bearer slat_<token>".');
    // The scheme is case-insensitive (RFC 9110 §11.1; SPEC §2): `bearer slat_…` works too.
    const scheme = /^bearer +/i.exec(header);
    if (!scheme) throw unauthorized('The Authorization header must be "Bearer slat_<token>".');
    const token = header.slice(scheme[0].length).trim();
    if (!token.startsWith(TOKEN_PREFIX)) throw unauthorized('API tokens start with "slat_".');
    const found = await deps.store.findTokenByHash(hashToken(token));
    const now = deps.clock.now();
    if (!found) throw unauthorized('Unknown API token.');
    if (found.token.revokedAt !== null) throw unauthorized('This API token has been revoked.');
    if (found.token.expiresAt !== null && found.token.expiresAt <= now) throw unauthorized('This API token has expired.');
    const { workspace } = found;
    // An empty header counts as absent (SPEC §2): some clients send every header they know of.
    const workspaceHeader = headers.workspaceId?.trim() || undefined;
    const organizationHeader = headers.organizationId?.trim() || undefined;
    if (workspaceHeader !== undefined && workspaceHeader !== String(workspace.id)) {
      throw new AppError('forbidden', 'X-Workspace-Id does not match the workspace of this API token.');
    }
    if (organizationHeader !== undefined && organizationHeader !== String(workspace.organizationId)) {
      throw new AppError('forbidden', 'X-Organization-Id does not match the organization of this API token.');
    }
    const lastUsed = found.token.lastUsedAt;
    if (lastUsed === null || now - lastUsed >= LAST_USED_GRANULARITY_MS) {
      await deps.store.recordTokenUse(found.token.id, now);
    }
    return { workspaceId: workspace.id, organizationId: workspace.organizationId, tokenId: found.token.id };
  }

  return { authenticate };
}

export type AuthService = ReturnType<typeof createAuthService>;
