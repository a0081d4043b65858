import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DatabaseTarget } from './config.js';

/** Where the embedded default keeps its generated key: `secret.key` beside the database file. */
export function secretKeyFilePath(database: DatabaseTarget): string | null {
  if (database.kind !== 'sqlite' || database.path === ':memory:') return null;
  return join(dirname(database.path), 'secret.key');
}

/**
 * The secret key's text (SPEC §13): `SLIPWAY_SECRET_KEY` when set; otherwise, on the embedded
 * SQLite default, the `secret.key` file beside the database, created (mode 0600) with a
 * fresh random key when `create` and missing. Null when there is none (PostgreSQL without
 * SLIPWAY_SECRET_KEY: secrets are then not configured). Back the file up with the database:
 * without it the stored secrets cannot be read.
 */
export function loadSecretKeyText(database: DatabaseTarget, envKey: string | undefined, options: { create: boolean; newKey: () => string }): string | null {
  if (envKey) return envKey;
  const path = secretKeyFilePath(database);
  if (path === null) return null;
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  if (!options.create) return null;
  mkdirSync(dirname(path), { recursive: true });
  try {
    // wx: another process starting at the same moment may have written it first; then read theirs.
    writeFileSync(path, `${options.newKey()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  chmodSync(path, 0o600);
  return readFileSync(path, 'utf8').trim();
}
