import Database from 'better-sqlite3';
import pg from 'pg';
import { parseDatabaseUrl } from '../../src/config/config.js';
import { ONE_STEP } from './slipway.js';

/**
 * Bench-only seeding: writes `count` runs straight into the `runs` table with one bulk
 * INSERT … SELECT (not through the API, which would take an hour for a million runs).
 * FINISHED runs look like completed one-step runs of the past two days; QUEUED runs look
 * like runs waiting for a worker. Ids are UUID-shaped and sort before real (v7) run ids.
 */
export async function seedRuns(databaseUrl: string, workspaceId: number, count: number, kind: 'finished' | 'queued' | 'queued-today'): Promise<number> {
  if (count <= 0) return 0;
  const started = Date.now();
  // Finished and queued seeds differ in one digit, so both kinds can go into one database.
  const prefix = kind === 'finished' ? '00000000-0000-7000-8000-' : kind === 'queued' ? '00000000-0000-7000-9000-' : '00000000-0000-7000-a000-';
  // queued-today: created in the current UTC day (so they count toward its daily limit), and
  // written with the triggers on, so the limit counters of migration 018 count them.
  const today = kind === 'queued-today';
  const base = today ? Math.max(Date.now() - Date.now() % 86_400_000, Date.now() - count - 1) : Date.now() - 2 * 86_400_000 - count;
  if (today) kind = 'queued';
  const finished = kind === 'finished';
  const target = parseDatabaseUrl(databaseUrl);
  const columns = `id, workspace_id, workflow_id, status, inputs, metadata, idempotency_key, workflow_version, execution_id, output, error,
      parent_run_id, created_at, updated_at, started_at, completed_at, lease_owner, lease_expires_at, claim_count`;
  if (target.kind === 'sqlite') {
    const db = new Database(target.path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.prepare(
      `WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < @count)
       INSERT INTO runs (${columns})
       SELECT @prefix || printf('%012d', x), @workspaceId, @workflowId, @status, '{"name":"seed"}', NULL, NULL,
         @version, ${finished ? `printf('seed-exec-%d', x)` : 'NULL'}, ${finished ? `'"Hello, seed"'` : 'NULL'}, NULL, NULL,
         @base + x, @base + x, ${finished ? '@base + x, @base + x + 1' : 'NULL, NULL'}, NULL, NULL, ${finished ? 1 : 0}
       FROM seq`,
    ).run({ prefix, count, workspaceId, workflowId: ONE_STEP, status: finished ? 'COMPLETED' : 'QUEUED', version: finished ? 1 : null, base });
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  } else {
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    // Bulk load the way PostgreSQL likes it: the secondary indexes are dropped and rebuilt
    // after the insert (the same definitions), no per-row foreign-key triggers, and no wait
    // for the WAL flush. Only this seeding session is affected.
    await client.query('BEGIN');
    await client.query(`SET LOCAL synchronous_commit = off`);
    if (!today) await client.query(`SET LOCAL session_replication_role = replica`);
    await client.query(`SET LOCAL maintenance_work_mem = '256MB'`);
    const indexes = (await client.query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'runs' AND indexname <> 'runs_pkey'`)).rows as Array<{ indexname: string; indexdef: string }>;
    for (const index of indexes) await client.query(`DROP INDEX ${index.indexname}`);
    await client.query(
      `INSERT INTO runs (${columns})
       SELECT $7::text || lpad(x::text, 12, '0'), $1, $2, $3, '{"name":"seed"}', NULL, NULL,
         $4::int, ${finished ? `'seed-exec-' || x` : 'NULL'}, ${finished ? `'"Hello, seed"'` : 'NULL'}, NULL, NULL,
         $5::bigint + x, $5::bigint + x, ${finished ? '$5::bigint + x, $5::bigint + x + 1' : 'NULL, NULL'}, NULL, NULL, ${finished ? 1 : 0}
       FROM generate_series(1, $6::int) AS x`,
      [workspaceId, ONE_STEP, finished ? 'COMPLETED' : 'QUEUED', finished ? 1 : null, base, count, prefix],
    );
    for (const index of indexes) await client.query(index.indexdef);
    await client.query('COMMIT');
    await client.query('VACUUM ANALYZE runs');
    await client.end();
  }
  return Date.now() - started;
}

/**
 * Bench-only: ends every QUEUED run of the database as CANCELED (one statement), so a
 * measurement that follows a create load does not first work through the load's runs.
 */
export async function cancelLeftoverQueuedRuns(databaseUrl: string): Promise<void> {
  const sql = `UPDATE runs SET status = 'CANCELED', completed_at = updated_at WHERE status = 'QUEUED'`;
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind === 'sqlite') {
    const db = new Database(target.path);
    db.pragma('busy_timeout = 10000');
    db.prepare(sql).run();
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  await client.query(sql);
  await client.end();
}
