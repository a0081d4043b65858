import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Migration {
  /** File name, e.g. `001_initial.sql`; the number orders them. */
  name: string;
  sql: string;
}

/** Reads the numbered `NNN_name.sql` files of a dialect's migrations folder, in order. */
export function listMigrations(dir: URL): Migration[] {
  const path = fileURLToPath(dir);
  return readdirSync(path)
    .filter((name) => /^\d{3}_[a-z0-9_]+\.sql$/.test(name))
    .sort()
    .map((name) => ({ name, sql: readFileSync(`${path}/${name}`, 'utf8') }));
}
