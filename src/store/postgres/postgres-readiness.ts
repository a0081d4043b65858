import { listMigrations } from '../migrations.js';
import { missingMigrations, type Readiness, type ReadinessStore } from '../readiness-store.js';
import type { PostgresDeps } from './postgres-deps.js';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
/** SQLSTATE of a missing table: the database was never migrated. */
const UNDEFINED_TABLE = '42P01';

/** Readiness on PostgreSQL: a pooled connection answers, and `schema_migrations` lists every migration. */
export function createPostgresReadiness(deps: Pick<PostgresDeps, 'query'>): ReadinessStore {
  const expected = listMigrations(MIGRATIONS_DIR).map((m) => m.name);
  return {
    async checkReadiness(): Promise<Readiness> {
      let applied: Set<string>;
      try {
        applied = new Set((await deps.query('SELECT name FROM schema_migrations')).map((row) => String(row.name)));
      } catch (error) {
        if ((error as { code?: string }).code === UNDEFINED_TABLE) {
          return { ready: false, reason: 'not_migrated', detail: 'The database has no migrations applied; run `slipway migrate`.' };
        }
        return { ready: false, reason: 'unreachable', detail: `The database is unreachable: ${(error as Error).message}` };
      }
      return missingMigrations(expected, applied);
    },
    async countQueuedRuns() {
      // An index-only scan of the partial index runs_queued.
      return Number((await deps.query("SELECT count(*) AS n FROM runs WHERE status = 'QUEUED'"))[0]!.n);
    },
  };
}
