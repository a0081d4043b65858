import { EventEmitter } from 'node:events';
import pg from 'pg';

import type { NewWorkspace, Store } from '../store.js';
import type { TokenWithWorkspace, Workspace } from '../types.js';
// Both dialects hand back the same row shape (bigint as text, JSON as text, see `types`
// below), so one mapping serves both and a new column is mapped once.
import { toOrganization, toToken, toWorkspace } from '../sqlite/sqlite-rows.js';
import { asUnavailable, startupError } from './connection-errors.js';
import { migratePostgres } from './migrate-postgres.js';
import { createPostgresRuns } from './postgres-runs.js';
import { createPostgresWebhooks } from './postgres-webhooks.js';
import { createPostgresWorkflows } from './postgres-workflows.js';
import type { Row } from './postgres-deps.js';
import { startQueuedListener } from './queued-listener.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/db` */
  url: string;
  /** Most connections this process opens (besides the one LISTEN connection). */
  poolSize?: number;
  onError?: (error: unknown) => void;
}

/** Leaves json (and jsonb) as text, so rows look like SQLite's and the shared mapping parses them. */
const JSON_OIDS = new Set([114, 3802]);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    JSON_OIDS.has(oid) ? (value: string) => value : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A fixed advisory lock key serializing "first organization / default workspace" creation. */
const TENANCY_LOCK_KEY = '7236278917363050';

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

  async function query(sql: string, params: unknown[] = []): Promise<Row[]> {
    try {
      return (await pool.query(sql, params)).rows as Row[];
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

  const notifyQueued = () => {
    queued.emit('queued');
  };

  async function createWorkspaceIn(client: pg.PoolClient, input: NewWorkspace): Promise<Workspace> {
    let organizationId = input.organizationId;
    if (organizationId === null) {
      await client.query('SELECT pg_advisory_xact_lock($1)', [TENANCY_LOCK_KEY]);
      const first = (await client.query('SELECT id FROM organizations ORDER BY id LIMIT 1')).rows[0];
      organizationId = first
        ? Number(first.id)
        : Number((await client.query('INSERT INTO organizations (name, created_at) VALUES ($1, $2) RETURNING id', ['default', input.now])).rows[0].id);
    }
    const row = (await client.query(
      `INSERT INTO workspaces (organization_id, name, daily_run_limit, concurrent_run_limit, created_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [organizationId, input.name, input.dailyRunLimit, input.concurrentRunLimit, input.now],
    )).rows[0];
    return toWorkspace(row);
  }

  const deps = { query, one, transaction, notifyQueued };
  const runs = createPostgresRuns(deps);
  const workflows = createPostgresWorkflows(deps);

  const store: Store = {
    ...createPostgresWebhooks(deps),
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
      await listener?.stop();
      await pool.end();
    },

    async createOrganization(name, now) {
      return toOrganization((await one('INSERT INTO organizations (name, created_at) VALUES ($1, $2) RETURNING *', [name, now]))!);
    },

    async getOrganization(id) {
      const row = await one('SELECT * FROM organizations WHERE id = $1', [id]);
      return row ? toOrganization(row) : null;
    },

    async createWorkspace(input) {
      return transaction((client) => createWorkspaceIn(client, input));
    },

    async getWorkspace(id) {
      const row = await one('SELECT * FROM workspaces WHERE id = $1', [id]);
      return row ? toWorkspace(row) : null;
    },

    async listWorkspaces() {
      return (await query('SELECT * FROM workspaces ORDER BY id')).map(toWorkspace);
    },

    async createDefaultWorkspaceIfEmpty(now) {
      return transaction(async (client) => {
        // Two `serve` processes starting on an empty database: only one creates it.
        await client.query('SELECT pg_advisory_xact_lock($1)', [TENANCY_LOCK_KEY]);
        if ((await client.query('SELECT 1 FROM workspaces LIMIT 1')).rows.length > 0) return null;
        return createWorkspaceIn(client, { name: 'default', organizationId: null, dailyRunLimit: null, concurrentRunLimit: null, now });
      });
    },

    async createToken(token) {
      await query(
        `INSERT INTO api_tokens (id, workspace_id, name, created_by, preview, hash, created_at, expires_at, last_used_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [token.id, token.workspaceId, token.name, token.createdBy, token.preview, token.hash, token.createdAt, token.expiresAt, token.lastUsedAt, token.revokedAt],
      );
    },

    async findTokenByHash(hash): Promise<TokenWithWorkspace | null> {
      const token = await one('SELECT * FROM api_tokens WHERE hash = $1', [hash]);
      if (!token) return null;
      const workspace = (await one('SELECT * FROM workspaces WHERE id = $1', [token.workspace_id]))!;
      return { token: toToken(token), workspace: toWorkspace(workspace) };
    },

    async listTokens(workspaceId) {
      return (await query('SELECT * FROM api_tokens WHERE workspace_id = $1 ORDER BY created_at DESC, id', [workspaceId])).map(toToken);
    },

    async getToken(workspaceId, tokenId) {
      const row = await one('SELECT * FROM api_tokens WHERE workspace_id = $1 AND id = $2', [workspaceId, tokenId]);
      return row ? toToken(row) : null;
    },

    async revokeToken(workspaceId, tokenId, now) {
      const rows = await query(
        'UPDATE api_tokens SET revoked_at = $1 WHERE workspace_id = $2 AND id = $3 AND revoked_at IS NULL RETURNING id',
        [now, workspaceId, tokenId],
      );
      return rows.length === 1;
    },

    async recordTokenUse(tokenId, now) {
      await query('UPDATE api_tokens SET last_used_at = $1 WHERE id = $2', [now, tokenId]);
    },

    ...workflows,
    ...runs,

    onRunsQueued(listen) {
      queued.on('queued', listen);
      if (!listener && !closed) {
        listener = startQueuedListener({ connectionString: options.url, onNotify: () => queued.emit('queued'), onError: options.onError });
      }
      return () => queued.off('queued', listen);
    },
  };
  return store;
}

