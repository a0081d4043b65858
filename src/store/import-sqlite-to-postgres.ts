import Database from 'better-sqlite3';
import pg from 'pg';
import { migratePostgres } from './postgres/migrate-postgres.js';

/** Tables in foreign-key order; both dialects name every column the same. */
const TABLES = ['organizations', 'workspaces', 'api_tokens', 'workflows', 'workflow_versions', 'runs', 'deleted_runs', 'step_attempts', 'schedules', 'schedule_fires'] as const;
/** Tables whose integer ids come from an identity sequence that must continue after the copy. */
const IDENTITY_TABLES = ['organizations', 'workspaces'] as const;
const BATCH_ROWS = 500;

export interface ImportResult {
  /** Rows copied per table. */
  counts: Record<string, number>;
}

/**
 * Copies a whole SQLite installation into an empty PostgreSQL database, in one
 * transaction: workspaces, tokens (their hashes, so existing tokens keep working),
 * workflows and versions, runs with their step checkpoints. Ids are kept, so run URLs
 * and `status_url`s stay valid. Stop every Slipway process on the SQLite file first: runs
 * in flight are copied as they are and resume on PostgreSQL once their lease expires.
 *
 * @example
 * await importSqliteToPostgres({ sqlitePath: './data/slipway.db', postgresUrl: 'postgres://slipway@db/slipway' });
 */
export async function importSqliteToPostgres(options: { sqlitePath: string; postgresUrl: string }): Promise<ImportResult> {
  const source = new Database(options.sqlitePath, { readonly: true, fileMustExist: true });
  const pool = new pg.Pool({ connectionString: options.postgresUrl, max: 1 });
  try {
    await migratePostgres(pool, Date.now());
    const client = await pool.connect();
    try {
      const target = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
      const applied = source.prepare('SELECT name FROM schema_migrations').pluck().all() as string[];
      const missing = [...target].filter((name) => !applied.includes(name));
      if (missing.length > 0) {
        throw new Error(`the SQLite file lacks migrations ${missing.join(', ')}; run \`slipway migrate --database-url sqlite:${options.sqlitePath}\` first`);
      }
      await client.query('BEGIN');
      if ((await client.query('SELECT 1 FROM organizations LIMIT 1')).rows.length > 0) {
        throw new Error('the PostgreSQL database is not empty; import only into a fresh database');
      }
      const counts: Record<string, number> = {};
      for (const table of TABLES) counts[table] = await copyTable(source, client, table);
      // Concurrency keys (migration 020): the active counts came with the runs (trigger); the
      // claim's list of keys with queued runs is rebuilt from them.
      await client.query(
        `INSERT INTO concurrency_keys (workspace_id, workflow_id, key, head_at, run_limit)
         SELECT workspace_id, workflow_id, concurrency_key, min(queue_at), max(concurrency_limit) FROM runs
         WHERE status = 'QUEUED' AND concurrency_limit IS NOT NULL GROUP BY 1, 2, 3
         ON CONFLICT (workspace_id, workflow_id, key) DO UPDATE SET head_at = excluded.head_at, run_limit = excluded.run_limit`,
      );
      for (const table of IDENTITY_TABLES) {
        await client.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), GREATEST((SELECT max(id) FROM ${table}), 1))`);
      }
      await client.query('COMMIT');
      return { counts };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  } finally {
    source.close();
    await pool.end();
  }
}

async function copyTable(source: Database.Database, client: pg.PoolClient, table: string): Promise<number> {
  const columns = (source.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[]);
  const select = source.prepare(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY rowid`).raw(true);
  let batch: unknown[][] = [];
  let copied = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const values = batch.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
    await client.query(`INSERT INTO ${table} (${columns.join(', ')}) OVERRIDING SYSTEM VALUE VALUES ${values}`, batch.flat());
    copied += batch.length;
    batch = [];
  };
  for (const row of select.iterate() as Iterable<unknown[]>) {
    batch.push(row);
    if (batch.length === BATCH_ROWS) await flush();
  }
  await flush();
  return copied;
}
