import type pg from 'pg';
import { listMigrations } from '../migrations.js';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/**
 * Key of the session-level advisory lock that serializes migration runs. Any constant
 * works; this one spells "slipway" so it is recognisable in `pg_locks`.
 */
export const MIGRATION_LOCK_KEY = 0x736c6970776179n;

/**
 * Applies the numbered `.sql` files in ./migrations that the database has not seen, each
 * in its own transaction together with its row in `schema_migrations`. The whole pass
 * holds `pg_advisory_lock`, so when several processes start at once the others wait for
 * the first and then find nothing left to do. Returns the names it applied.
 */
export async function migratePostgres(pool: pg.Pool, now: number): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  const ignore = () => {}; // a dropped connection fails the pending query instead
  client.on('error', ignore);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at bigint NOT NULL)');
      const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
      for (const migration of listMigrations(MIGRATIONS_DIR)) {
        if (done.has(migration.name)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)', [migration.name, now]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`);
        }
        applied.push(migration.name);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  } finally {
    client.off('error', ignore);
    client.release(true);
  }
  return applied;
}

/** The SQL `slipway migrate --print` shows for PostgreSQL. */
export function postgresMigrationsSql(): string {
  return listMigrations(MIGRATIONS_DIR)
    .map((m) => `-- ${m.name}\n${m.sql}`)
    .join('\n');
}
