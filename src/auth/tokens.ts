import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'slat_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 43 base62 characters carry 256 bits, above the spec's 32 bytes of entropy. */
const SECRET_LENGTH = 43;

/**
 * A new API token `slat_<43 base62 chars>`. Characters are drawn by rejection sampling,
 * so each is uniform over the alphabet.
 */
export function generateToken(): string {
  let secret = '';
  while (secret.length < SECRET_LENGTH) {
    for (const byte of randomBytes(64)) {
      if (byte < 248 && secret.length < SECRET_LENGTH) secret += BASE62[byte % 62];
    }
  }
  return TOKEN_PREFIX + secret;
}

/** Tokens are high-entropy secrets, so a plain SHA-256 is the right hash (no salt or stretching needed). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** First 12 and last 4 characters, as the dashboard and `token list` show them. */
export function tokenPreview(token: string): string {
  return `${token.slice(0, 12)}...${token.slice(-4)}`;
}

export const TOKEN_EXPIRIES = ['7d', '30d', '90d', 'never'] as const;
export type TokenExpiry = (typeof TOKEN_EXPIRIES)[number];

const DAY_MS = 86_400_000;

export function expiryToTimestamp(expiry: TokenExpiry, now: number): number | null {
  switch (expiry) {
    case '7d':
      return now + 7 * DAY_MS;
    case '30d':
      return now + 30 * DAY_MS;
    case '90d':
      return now + 90 * DAY_MS;
    case 'never':
      return null;
  }
}
