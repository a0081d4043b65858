import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Encryption at rest of workspace secrets (SPEC §13): AES-256-GCM with the server's
 * 32-byte key (`SLIPWAY_SECRET_KEY`, or the embedded default's `secret.key` file). A stored
 * value is `v1:<base64 iv>:<base64 tag>:<base64 ciphertext>`; the workspace id and the
 * secret's name are authenticated with it, so a ciphertext copied to another row does not
 * decrypt there.
 *
 * @example
 * const key = parseSecretKey(process.env.SLIPWAY_SECRET_KEY!);
 * const sealed = sealSecret(key, { workspaceId: 1, name: 'API_KEY' }, 'sk-live-123456');
 * openSecret(key, { workspaceId: 1, name: 'API_KEY' }, sealed); // 'sk-live-123456'
 */

export interface SecretSlot {
  workspaceId: number;
  name: string;
}

export class SecretKeyError extends Error {}

/** A 32-byte key from 64 hex characters or base64 (44 characters with padding). */
export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(trimmed) && key.toString('base64') !== trimmed)) {
    throw new SecretKeyError('SLIPWAY_SECRET_KEY must be 32 bytes, written as 64 hex characters or base64 (e.g. `openssl rand -hex 32`)');
  }
  return key;
}

/** A fresh random key, as the key file stores it (hex). */
export function newSecretKeyText(): string {
  return randomBytes(32).toString('hex');
}

function aad(slot: SecretSlot): Buffer {
  return Buffer.from(`slipway-secret:${slot.workspaceId}:${slot.name}`);
}

export function sealSecret(key: Buffer, slot: SecretSlot, value: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(slot));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join(':');
}

/** The value, or throws when the key is not the one it was sealed with (or the row was altered). */
export function openSecret(key: Buffer, slot: SecretSlot, sealed: string): string {
  const [version, iv, tag, ciphertext] = sealed.split(':');
  if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new SecretKeyError('not a sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  decipher.setAAD(aad(slot));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretKeyError(`secret ${slot.name} of workspace ${slot.workspaceId} does not decrypt with this key (was SLIPWAY_SECRET_KEY changed without \`slipway secret reencrypt\`?)`);
  }
}

/**
 * A value derived from the key for one purpose, e.g. a waitpoint's callback secret (SPEC §7):
 * HMAC-SHA256 of `purpose:subject`, base64url. Never stored; compare in constant time.
 */
export function deriveFromKey(key: Buffer, purpose: string, subject: string): string {
  return createHmac('sha256', key).update(`${purpose}:${subject}`).digest('base64url');
}
