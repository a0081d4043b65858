import type Database from 'better-sqlite3';
import { listMigrations } from '../migrations.js';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/**
 * Applies the numbered `.sql` files in ./migrations that the database has not seen.
 * The whole pass runs in one `BEGIN IMMEDIATE` transaction, so when two processes
 * start at once the second waits for the first and then finds nothing left to do.
 */
export function migrateSqlite(db: Database.Database, now: number): string[] {
  const applied: string[] = [];
  const run = db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const done = new Set(db.prepare('SELECT name FROM schema_migrations').pluck().all() as string[]);
    for (const migration of listMigrations(MIGRATIONS_DIR)) {
      if (done.has(migration.name)) continue;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(migration.name, now);
      applied.push(migration.name);
    }
  });
  run.immediate();
  return applied;
}

export function sqliteMigrationsSql(): string {
  return listMigrations(MIGRATIONS_DIR)
    .map((m) => `-- ${m.name}\n${m.sql}`)
    .join('\n');
}
