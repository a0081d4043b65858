import { listMigrations } from '../migrations.js';
import { missingMigrations, type Readiness, type ReadinessStore } from '../readiness-store.js';
import type { SqliteDeps } from './sqlite-deps.js';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/** Readiness on SQLite: the file opens and answers, and `schema_migrations` lists every migration. */
export function createSqliteReadiness(deps: Pick<SqliteDeps, 'all'>): ReadinessStore {
  const expected = listMigrations(MIGRATIONS_DIR).map((m) => m.name);
  return {
    async checkReadiness(): Promise<Readiness> {
      let applied: Set<string>;
      try {
        const table = deps.all("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
        if (table.length === 0) return { ready: false, reason: 'not_migrated', detail: 'The database has no migrations applied; run `slipway migrate`.' };
        applied = new Set(deps.all('SELECT name FROM schema_migrations').map((row) => String(row.name)));
      } catch (error) {
        return { ready: false, reason: 'unreachable', detail: `The database cannot be read: ${(error as Error).message}` };
      }
      return missingMigrations(expected, applied);
    },
    async countQueuedRuns() {
      // Every QUEUED run is on one of the claim's two partial indexes (migration 016); counted on them alone.
      return Number(deps.all(`SELECT (SELECT count(*) FROM runs INDEXED BY runs_claim_plain WHERE status = 'QUEUED' AND concurrency_limit IS NULL)
        + (SELECT count(*) FROM runs INDEXED BY runs_claim_keyed WHERE status = 'QUEUED' AND concurrency_limit IS NOT NULL) AS n`)[0]!.n);
    },
  };
}
