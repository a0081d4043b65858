import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { hashToken, TOKEN_PREFIX } from '../auth/tokens.js';
import type { Store, TokenWithWorkspace } from '../store/store.js';

/** Who is calling: resolved once per request from the bearer token. */
export interface Caller {
  workspaceId: number;
  organizationId: number;
  tokenId: string;
  /**
   * False when the caller comes from this process's memory of the token (`authenticateHint`),
   * not from a read of its row: only a write that re-checks the token in its own statement
   * (`createRunIfCurrent`) may rely on it; anything else calls `verify` first.
   */
  verified: boolean;
  /**
   * Reads the token's row as `authenticate` does (401/403 as it would) unless `verified`, or
   * `again` (a guarded create found it stale: revoked since, in another process); sets `verified`.
   */
  verify(again?: boolean): Promise<void>;
}

export interface AuthHeaders {
  authorization: string | undefined;
  workspaceId: string | undefined;
  organizationId: string | undefined;
}

/** How often a token's last-used date is written at most (SPEC §2 allows lazy recording). */
const LAST_USED_GRANULARITY_MS = 60_000;
/** Tokens remembered per process for `authenticateHint` (a few hundred bytes each). */
const TOKEN_HINTS = 1_000;

/**
 * Authenticates a request (SPEC §2): `Authorization: Bearer slat_…`, the token known,
 * not revoked, not expired; and `X-Workspace-Id` / `X-Organization-Id`, when sent,
 * matching the token's. Revocation and expiry take effect on the next request
 * because every request reads the token's row — except a create answered from a hint
 * (`authenticateHint`), whose insert statement re-checks the row itself.
 */
export function createAuthService(deps: { store: Store; clock: Clock }) {
  const unauthorized = (message: string) => new AppError('unauthorized', message);
  /** Token hash → the token and workspace last read for it; a hint only, never an answer by itself. */
  const hints = new Map<string, TokenWithWorkspace>();

  /** The token of the Authorization header, or the 401 of a missing or malformed one. */
  function bearerToken(headers: AuthHeaders): string {
    const header = headers.authorization;
    if (!header) throw unauthorized('Missing Authorization header; send "Authorization: Bearer slat_<token>".');
    // The scheme is case-insensitive (RFC 9110 §11.1; SPEC §2): `bearer slat_…` works too.
    const scheme = /^bearer +/i.exec(header);
    if (!scheme) throw unauthorized('The Authorization header must be "Bearer slat_<token>".');
    const token = header.slice(scheme[0].length).trim();
    if (!token.startsWith(TOKEN_PREFIX)) throw unauthorized('API tokens start with "slat_".');
    return token;
  }

  /** The first refusal of the token and the headers, in SPEC §2's order; null when the request may go on. */
  function refusal(found: TokenWithWorkspace | null, headers: AuthHeaders, now: number): AppError | null {
    if (!found) return unauthorized('Unknown API token.');
    if (found.token.revokedAt !== null) return unauthorized('This API token has been revoked.');
    if (found.token.expiresAt !== null && found.token.expiresAt <= now) return unauthorized('This API token has expired.');
    const { workspace } = found;
    // An empty header counts as absent (SPEC §2): some clients send every header they know of.
    const workspaceHeader = headers.workspaceId?.trim() || undefined;
    const organizationHeader = headers.organizationId?.trim() || undefined;
    if (workspaceHeader !== undefined && workspaceHeader !== String(workspace.id)) {
      return new AppError('forbidden', 'X-Workspace-Id does not match the workspace of this API token.');
    }
    if (organizationHeader !== undefined && organizationHeader !== String(workspace.organizationId)) {
      return new AppError('forbidden', 'X-Organization-Id does not match the organization of this API token.');
    }
    return null;
  }

  async function recordUse(found: TokenWithWorkspace, now: number) {
    const lastUsed = found.token.lastUsedAt;
    if (lastUsed !== null && now - lastUsed < LAST_USED_GRANULARITY_MS) return;
    await deps.store.recordTokenUse(found.token.id, now);
    found.token.lastUsedAt = now;
  }

  function callerOf(found: TokenWithWorkspace, verified: boolean, headers: AuthHeaders): Caller {
    const caller: Caller = {
      workspaceId: found.workspace.id,
      organizationId: found.workspace.organizationId,
      tokenId: found.token.id,
      verified,
      async verify(again = false) {
        if (caller.verified && !again) return;
        await readAndCheck(headers);
        caller.verified = true;
      },
    };
    return caller;
  }

  /** The token's row read and checked; remembered as a hint when it is accepted. */
  async function readAndCheck(headers: AuthHeaders): Promise<TokenWithWorkspace> {
    const hash = hashToken(bearerToken(headers));
    const found = await deps.store.findTokenByHash(hash);
    const now = deps.clock.now();
    const refused = refusal(found, headers, now);
    if (refused) {
      hints.delete(hash);
      throw refused;
    }
    await recordUse(found!, now);
    hints.delete(hash);
    if (hints.size >= TOKEN_HINTS) hints.delete(hints.keys().next().value!);
    hints.set(hash, found!);
    return found!;
  }

  /** Reads the token's row: the answer for every request but a create's (below). */
  async function authenticate(headers: AuthHeaders): Promise<Caller> {
    return callerOf(await readAndCheck(headers), true, headers);
  }

  /**
   * For a create (SPEC §3): the caller from this process's memory of the token when it has
   * one that its own data accepts (not revoked or expired when last read, the headers
   * matching), unverified; otherwise `authenticate`. A token revoked since, in any process,
   * is refused by the create's statement (`createRunIfCurrent`), and every other answer of
   * the request verifies the caller first, so the answers are those of `authenticate`.
   */
  async function authenticateHint(headers: AuthHeaders): Promise<Caller> {
    const hash = hashToken(bearerToken(headers));
    const hint = hints.get(hash);
    const now = deps.clock.now();
    if (!hint || refusal(hint, headers, now)) return authenticate(headers);
    await recordUse(hint, now);
    return callerOf(hint, false, headers);
  }

  return { authenticate, authenticateHint };
}

export type AuthService = ReturnType<typeof createAuthService>;
