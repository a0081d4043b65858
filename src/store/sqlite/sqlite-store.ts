import { createSqliteFlow } from './sqlite-flow.js';
import { createSqliteRunControl } from './sqlite-run-control.js';
import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';

import type { Row } from '../rows.js';
import { createRunEventAnnouncer } from '../run-event-announcer.js';
import { createRunEndAnnouncer } from '../run-endings.js';
import type { Store } from '../store.js';
import { createGroupCommit } from './group-commit.js';
import { migrateSqlite } from './migrate-sqlite.js';
import { openSqliteDatabase, retryWhileBusy } from './sqlite-connection.js';
import type { SqliteDeps } from './sqlite-deps.js';
import { createSqliteEvents } from './sqlite-events.js';
import { createSqliteLeases } from './sqlite-leases.js';
import { createSqliteRuns } from './sqlite-runs.js';
import { createSqliteSchedules } from './sqlite-schedules.js';
import { createSqliteTenancy } from './sqlite-tenancy.js';
import { createSqliteWorkflows } from './sqlite-workflows.js';
import { createSqliteWebhooks } from './sqlite-webhooks.js';
import { createSqliteWaitpoints } from './sqlite-waitpoints.js';
import { createSqliteSecrets } from './sqlite-secrets.js';
import { createSqliteReadiness } from './sqlite-readiness.js';
import { createSqliteStepLogs } from './sqlite-step-logs.js';
import { createSqliteWorkers } from './sqlite-workers.js';
import { createSqliteWaiting } from './sqlite-waiting.js';
import { createSqliteLimitCounters } from './sqlite-limit-counters.js';
import { createSqliteRetention } from './sqlite-retention.js';

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
const MIGRATION_LOCK_WAIT_MS = 60_000;

export function createSqliteStore(options: { path: string; /** `SLIPWAY_SQLITE_LOCK_WAIT` (sqlite-connection.ts). */ lockWaitMs?: number }): Store {
  const db = openSqliteDatabase(options.path);
  const queued = new EventEmitter();
  queued.setMaxListeners(0);
  const announcer = createRunEventAnnouncer();
  const endings = createRunEndAnnouncer();

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
    writes: createGroupCommit(db, { lockWaitMs: options.lockWaitMs }),
    notifyQueued: () => queued.emit('queued'),
    announceRunEvents: (runId) => announcer.announce(runId),
    announceRunsEnded: (runs) => endings.announce(runs),
  };

  const { createRunInTransaction, ...runs } = createSqliteRuns(deps);

  return {
    async migrate() {
      // Processes starting at once take turns; the first may take a while on a big file.
      await retryWhileBusy(() => migrateSqlite(db, Date.now()), MIGRATION_LOCK_WAIT_MS);
    },

    async close() {
      queued.removeAllListeners();
      announcer.clear();
      endings.clear();
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
    ...createSqliteRunControl({ ...deps, createRunInTransaction }),
    ...createSqliteFlow(deps),
    ...createSqliteEvents(deps, announcer),
    ...createSqliteReadiness(deps),
    ...createSqliteStepLogs(deps),
    ...createSqliteWaitpoints(deps),
    ...createSqliteWorkers(deps),
    ...createSqliteWaiting(deps),
    ...createSqliteLimitCounters(deps),
    ...createSqliteRetention(deps),

    onRunsQueued(listener) {
      queued.on('queued', listener);
      return () => queued.off('queued', listener);
    },

    onRunsEnded(listener) {
      return endings.on(listener);
    },
  };
}
