import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

import type { Row } from '../rows.js';
import type { Store } from '../store.js';
import { createGroupCommit } from './group-commit.js';
import { migrateSqlite } from './migrate-sqlite.js';
import type { SqliteDeps } from './sqlite-deps.js';
import { createSqliteLeases } from './sqlite-leases.js';
import { createSqliteRuns } from './sqlite-runs.js';
import { createSqliteSchedules } from './sqlite-schedules.js';
import { createSqliteTenancy } from './sqlite-tenancy.js';
import { createSqliteWorkflows } from './sqlite-workflows.js';
import { createSqliteWebhooks } from './sqlite-webhooks.js';
import { createSqliteSecrets } from './sqlite-secrets.js';

/**
 * The embedded default store: one SQLite file in WAL mode. Writes that must be atomic
 * (run creation with its limits, claiming) run in `BEGIN IMMEDIATE` transactions, so
 * they are serialized across every process that opens the same file. Each topic's
 * operations live in their own `sqlite-<topic>.ts`; this file opens the database and
 * assembles them.
 *
 * @example
 * const store = createSqliteStore({ path: './data/slipway.db' });
 * await store.migrate();
 */
export function createSqliteStore(options: { path: string }): Store {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  const queued = new EventEmitter();
  queued.setMaxListeners(0);

  // Statements are prepared once per SQL text and reused: preparing (parsing and planning) cost
  // more than executing on the hot paths (bench/ profile). The SQL texts are a fixed set.
  const statements = new Map<string, Database.Statement>();
  const statement = (sql: string): Database.Statement => {
    let prepared = statements.get(sql);
    if (!prepared) {
      prepared = db.prepare(sql);
      statements.set(sql, prepared);
    }
    return prepared;
  };

  const deps: SqliteDeps = {
    db,
    one: (sql, ...params) => statement(sql).get(...params) as Row | undefined,
    all: (sql, ...params) => statement(sql).all(...params) as Row[],
    run: (sql, ...params) => statement(sql).run(...params),
    // The hot writes (creating, claiming, checkpointing, finishing runs) go through group commit.
    writes: createGroupCommit(db),
    notifyQueued: () => queued.emit('queued'),
  };

  const { createRunInTransaction, ...runs } = createSqliteRuns(deps);

  return {
    async migrate() {
      migrateSqlite(db, Date.now());
    },

    async close() {
      queued.removeAllListeners();
      await deps.writes.drain();
      db.close();
    },

    ...createSqliteTenancy(deps),
    ...createSqliteWorkflows(deps),
    ...runs,
    ...createSqliteLeases(deps),
    ...createSqliteWebhooks(deps),
    ...createSqliteSecrets(deps),
    ...createSqliteSchedules({ ...deps, createRunInTransaction }),

    onRunsQueued(listener) {
      queued.on('queued', listener);
      return () => queued.off('queued', listener);
    },
  };
}
