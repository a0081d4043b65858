import { createPostgresFlow } from './postgres-flow.js';
import { createPostgresRunControl } from './postgres-run-control.js';
import { EventEmitter } from 'node:events';
import pg from 'pg';

import type { Row } from '../rows.js';
import type { Store } from '../store.js';
import { asUnavailable, startupError } from './connection-errors.js';
import { migratePostgres } from './migrate-postgres.js';
import type { PostgresDeps } from './postgres-deps.js';
import { createPostgresLeases } from './postgres-leases.js';
import { createPostgresRuns } from './postgres-runs.js';
import { createPostgresSchedules } from './postgres-schedules.js';
import { createPostgresTenancy } from './postgres-tenancy.js';
import { createPostgresWorkflows } from './postgres-workflows.js';
import { createRunEventAnnouncer } from '../run-event-announcer.js';
import { createRunEndAnnouncer } from '../run-endings.js';
import { createPostgresEvents, RUN_EVENTS_CHANNEL } from './postgres-events.js';
import { RUNS_QUEUED_CHANNEL, startQueuedListener } from './queued-listener.js';
import { createPostgresWebhooks } from './postgres-webhooks.js';
import { createPostgresWaitpoints } from './postgres-waitpoints.js';
import { createPostgresSecrets } from './postgres-secrets.js';
import { createPostgresReadiness } from './postgres-readiness.js';
import { createPostgresRetention } from './postgres-retention.js';
import { createPostgresStepLogs } from './postgres-step-logs.js';
import { createPostgresWorkers } from './postgres-workers.js';
import { createPostgresWaiting } from './postgres-waiting.js';
import { createPostgresLimitCounters } from './postgres-limit-counters.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/db` */
  url: string;
  /** Most connections this process opens (besides the one LISTEN connection). */
  poolSize?: number;
  onError?: (error: unknown) => void;
}

/** Leaves json (and jsonb) as text, so rows look like SQLite's and the shared mapping (store/rows.ts) parses them. */
const JSON_OIDS = new Set([114, 3802]);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    JSON_OIDS.has(oid) ? (value: string) => value : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * The store for many processes on one PostgreSQL database. Claims use
 * `FOR UPDATE SKIP LOCKED`; run creation locks the workspace row so limits hold across
 * processes; `LISTEN/NOTIFY` wakes idle workers (polling stays the truth). A dropped
 * connection surfaces as `service_unavailable` and the pool reconnects on the next query.
 * Composition code opens it through `openStore` in src/server.ts, which also migrates.
 *
 * @example
 * const store = createPostgresStore({ url: 'postgres://slipway@localhost:5432/slipway', poolSize: 10 });
 * await store.migrate();
 * const runs = await store.claimRuns({ workerId: 'w1', limit: 4, leaseMs: 30_000, now: Date.now(), newExecutionId: newUuid });
 */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    // TCP keepalive notices a database host that vanished without closing connections.
    keepAlive: true,
    types,
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', (error) => options.onError?.(error));

  const queued = new EventEmitter();
  queued.setMaxListeners(0);
  let listener: ReturnType<typeof startQueuedListener> | null = null;
  let closed = false;

  async function query(sql: string, params: unknown[] = [], options: { prepared?: string } = {}): Promise<Row[]> {
    try {
      // A named statement is parsed and planned once per connection, then only bound and run.
      return (await (options.prepared ? pool.query({ name: options.prepared, text: sql, values: params }) : pool.query(sql, params))).rows as Row[];
    } catch (error) {
      throw asUnavailable(error);
    }
  }
  const one = async (sql: string, params: unknown[] = []): Promise<Row | undefined> => (await query(sql, params))[0];

  /** Runs `work` in one transaction; ROLLBACK on any error. */
  async function transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw asUnavailable(error);
    }
    let broken: unknown = undefined;
    // A checked-out client has no error listener of the pool's: without this one, the
    // server ending the connection between two statements would crash the process.
    const onError = (error: unknown) => {
      broken = error;
      options.onError?.(error);
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
      throw asUnavailable(error);
    } finally {
      client.off('error', onError);
      // Releasing with an error destroys the connection instead of pooling a broken one.
      client.release(broken instanceof Error ? broken : broken === undefined ? undefined : new Error(String(broken)));
    }
  }

  const announcer = createRunEventAnnouncer();
  const endings = createRunEndAnnouncer();
  /** One LISTEN connection for both channels, started by the first listener of either kind. */
  function ensureListening() {
    if (listener || closed) return;
    listener = startQueuedListener({
      connectionString: options.url,
      channels: [RUNS_QUEUED_CHANNEL, RUN_EVENTS_CHANNEL],
      onNotify: (channel, payload) => (channel === RUN_EVENTS_CHANNEL ? announcer.announce(payload) : queued.emit('queued')),
      onError: options.onError,
    });
  }
  const { announceRunEvents, ...events } = createPostgresEvents({ query, transaction, announcer, ensureListening });
  const deps: PostgresDeps = { query, one, transaction, notifyQueued: () => queued.emit('queued'), announceRunEvents,
    announceRunEventsLocally: (runId) => announcer.announce(runId),
    announceRunsEnded: (runs) => endings.announce(runs) };

  const { createRunIn, ...runs } = createPostgresRuns(deps);

  return {
    async migrate() {
      try {
        await migratePostgres(pool, Date.now());
      } catch (error) {
        throw (error as { code?: string }).code ? startupError(error, options.url) : error;
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      queued.removeAllListeners();
      announcer.clear();
      endings.clear();
      await listener?.stop();
      await pool.end();
    },

    ...createPostgresTenancy(deps),
    ...createPostgresWorkflows(deps),
    ...runs,
    ...createPostgresLeases(deps),
    ...createPostgresWebhooks(deps),
    ...createPostgresWaitpoints(deps),
    ...createPostgresSecrets(deps),
    ...createPostgresSchedules({ ...deps, createRunIn }),
    ...createPostgresRunControl({ ...deps, createRunIn }),
    ...createPostgresFlow(deps),
    ...events,
    ...createPostgresReadiness(deps),
    ...createPostgresStepLogs(deps),
    ...createPostgresWorkers(deps),
    ...createPostgresWaiting(deps),
    ...createPostgresLimitCounters(deps),
    ...createPostgresRetention(deps),

    onRunsQueued(listen) {
      queued.on('queued', listen);
      ensureListening();
      return () => queued.off('queued', listen);
    },

    onRunsEnded(listener) {
      return endings.on(listener);
    },
  };
}

