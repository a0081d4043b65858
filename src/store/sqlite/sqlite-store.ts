import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

import type {
  ApplyWorkflowInput,
  ApplyWorkflowResult,
  CancelRunResult,
  ClaimRunsInput,
  CreateRunResult,
  FinishRunInput,
  NewRun,
  NewWorkspace,
  RunListQuery,
  Store,
  WorkflowListQuery,
} from '../store.js';
import type { ApiToken, Organization, Run, StepAttempt, TokenWithWorkspace, Workflow, WorkflowVersion, Workspace } from '../types.js';
import { runWebhookEvent } from '../../core/webhook-events.js';
import { createGroupCommit } from './group-commit.js';
import { runRef } from '../webhook-rows.js';
import { createSqliteWebhooks, recordRunDeliveriesSync } from './sqlite-webhooks.js';
import { migrateSqlite } from './migrate-sqlite.js';
import { toJson, toOrganization, toRun, toStepAttempt, toToken, toWorkflow, toWorkflowVersion, toWorkspace } from './sqlite-rows.js';

type Row = Record<string, unknown>;

/**
 * The embedded default store: one SQLite file in WAL mode. Writes that must be atomic
 * (run creation with its limits, claiming) run in `BEGIN IMMEDIATE` transactions, so
 * they are serialized across every process that opens the same file.
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
  // The hot writes (creating, claiming, checkpointing, finishing runs) go through group commit.
  const writes = createGroupCommit(db);
  const versionCache = new Map<string, WorkflowVersion>();
  const VERSION_CACHE_SIZE = 500;

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
  const one = (sql: string, ...params: unknown[]): Row | undefined => statement(sql).get(...params) as Row | undefined;
  const all = (sql: string, ...params: unknown[]): Row[] => statement(sql).all(...params) as Row[];
  const run = (sql: string, ...params: unknown[]) => statement(sql).run(...params);

  // ---------------------------------------------------------------- tenancy
  function createOrganizationSync(name: string, now: number): Organization {
    const row = one('INSERT INTO organizations (name, created_at) VALUES (?, ?) RETURNING *', name, now)!;
    return toOrganization(row);
  }

  function createWorkspaceSync(input: NewWorkspace): Workspace {
    let organizationId = input.organizationId;
    if (organizationId === null) {
      const first = one('SELECT id FROM organizations ORDER BY id LIMIT 1');
      organizationId = first ? Number(first.id) : createOrganizationSync('default', input.now).id;
    }
    const row = one(
      `INSERT INTO workspaces (organization_id, name, daily_run_limit, concurrent_run_limit, created_at)
       VALUES (?, ?, ?, ?, ?) RETURNING *`,
      organizationId, input.name, input.dailyRunLimit, input.concurrentRunLimit, input.now,
    )!;
    return toWorkspace(row);
  }

  // ---------------------------------------------------------------- runs
  function getRunSync(runId: string): Run | null {
    const row = one('SELECT * FROM runs WHERE id = ?', runId);
    return row ? toRun(row) : null;
  }

  const createRunTx = db.transaction((input: NewRun): CreateRunResult => {
    if (input.idempotencyKey !== null) {
      const existing = one('SELECT * FROM runs WHERE workspace_id = ? AND idempotency_key = ?', input.workspaceId, input.idempotencyKey);
      if (existing) {
        const found = toRun(existing);
        return found.workflowId === input.workflowId ? { kind: 'replayed', run: found } : { kind: 'idempotency_conflict', run: found };
      }
    }
    if (!input.ignoreLimits) {
      const workspace = toWorkspace(one('SELECT * FROM workspaces WHERE id = ?', input.workspaceId)!);
      if (workspace.dailyRunLimit !== null) {
        const today = Number(one('SELECT count(*) AS n FROM runs WHERE workspace_id = ? AND created_at >= ? AND parent_run_id IS NULL', input.workspaceId, input.dayStart)!.n);
        if (today >= workspace.dailyRunLimit) return { kind: 'daily_limit_exceeded', limit: workspace.dailyRunLimit };
      }
      if (workspace.concurrentRunLimit !== null) {
        const active = Number(one(
          `SELECT count(*) AS n FROM runs WHERE workspace_id = ? AND status IN ('QUEUED', 'STARTING', 'RUNNING') AND parent_run_id IS NULL`,
          input.workspaceId,
        )!.n);
        if (active >= workspace.concurrentRunLimit) return { kind: 'concurrent_limit_exceeded', limit: workspace.concurrentRunLimit };
      }
    }
    const row = one(
      `INSERT INTO runs (id, workspace_id, workflow_id, status, inputs, metadata, idempotency_key, parent_run_id, created_at, updated_at)
       VALUES (?, ?, ?, 'QUEUED', ?, ?, ?, ?, ?, ?) RETURNING *`,
      input.id, input.workspaceId, input.workflowId, JSON.stringify(input.inputs), toJson(input.metadata),
      input.idempotencyKey, input.parentRunId, input.now, input.now,
    )!;
    return { kind: 'created', run: toRun(row) };
  });

  const claimRunsTx = db.transaction((input: ClaimRunsInput): Run[] => {
    const leaseUntil = input.now + input.leaseMs;
    const claimed: Run[] = [];
    // Runs whose lease expired: a crashed worker's, a released one's, or a wait now due.
    const expired = all(
      `SELECT id FROM runs WHERE status IN ('STARTING', 'RUNNING') AND lease_expires_at <= ?
       ORDER BY lease_expires_at LIMIT ?`,
      input.now, input.limit,
    );
    for (const { id } of expired) {
      const row = one(
        `UPDATE runs SET lease_owner = ?, lease_expires_at = ?, claim_count = claim_count + 1, wake_requested = 0
         WHERE id = ? RETURNING *`,
        input.workerId, leaseUntil, id,
      )!;
      claimed.push(toRun(row));
    }
    const room = input.limit - claimed.length;
    if (room <= 0) return claimed;
    const fresh = all(`SELECT id FROM runs WHERE status = 'QUEUED' ORDER BY created_at, id LIMIT ?`, room);
    for (const { id } of fresh) {
      const row = one(
        `UPDATE runs SET status = 'STARTING', execution_id = ?, started_at = ?, updated_at = ?,
           lease_owner = ?, lease_expires_at = ?, claim_count = claim_count + 1,
           workflow_version = (SELECT NULLIF(w.default_version, 0) FROM workflows w
                               WHERE w.workspace_id = runs.workspace_id AND w.id = runs.workflow_id)
         WHERE id = ? AND status = 'QUEUED' RETURNING *`,
        input.newExecutionId(), input.now, input.now, input.workerId, leaseUntil, id,
      )!;
      claimed.push(toRun(row));
    }
    return claimed;
  });

  const applyWorkflowTx = db.transaction((input: ApplyWorkflowInput): ApplyWorkflowResult => {
    const { workspaceId, workflowId, fields, now } = input;
    const definitionJson = JSON.stringify(input.definition);
    const existing = one('SELECT * FROM workflows WHERE workspace_id = ? AND id = ?', workspaceId, workflowId);
    if (existing) {
      run(
        `UPDATE workflows SET name = ?, description = ?, categories = ?, emoji = ?, color = ?, readme = ?,
           draft_definition = ?, updated_at = ? WHERE workspace_id = ? AND id = ?`,
        fields.name, fields.description, JSON.stringify(fields.categories), fields.emoji, fields.color, fields.readme,
        definitionJson, now, workspaceId, workflowId,
      );
    } else {
      run(
        `INSERT INTO workflows (workspace_id, id, uuid, name, description, categories, emoji, color, readme,
           draft_definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        workspaceId, workflowId, input.uuid, fields.name, fields.description, JSON.stringify(fields.categories),
        fields.emoji, fields.color, fields.readme, definitionJson, now, now,
      );
    }
    let publishedVersion: number | null = null;
    if (input.publish) {
      const current = one(
        `SELECT v.definition FROM workflows w JOIN workflow_versions v
           ON v.workspace_id = w.workspace_id AND v.workflow_id = w.id AND v.version = w.default_version
         WHERE w.workspace_id = ? AND w.id = ?`,
        workspaceId, workflowId,
      );
      if (!current || current.definition !== definitionJson) {
        const next = one(
          'UPDATE workflows SET total_versions = total_versions + 1 WHERE workspace_id = ? AND id = ? RETURNING total_versions',
          workspaceId, workflowId,
        )!;
        publishedVersion = Number(next.total_versions);
        run(
          'INSERT INTO workflow_versions (workspace_id, workflow_id, version, definition, created_at) VALUES (?, ?, ?, ?, ?)',
          workspaceId, workflowId, publishedVersion, definitionJson, now,
        );
        run('UPDATE workflows SET default_version = ? WHERE workspace_id = ? AND id = ?', publishedVersion, workspaceId, workflowId);
      }
    }
    const workflow = toWorkflow(one('SELECT * FROM workflows WHERE workspace_id = ? AND id = ?', workspaceId, workflowId)!);
    return { workflow, created: !existing, publishedVersion };
  });

  const store: Store = {
    ...createSqliteWebhooks({ db, one, all, run, writes, notifyQueued: () => queued.emit('queued') }),
    async migrate() {
      migrateSqlite(db, Date.now());
    },

    async close() {
      queued.removeAllListeners();
      await writes.drain();
      db.close();
    },

    async createOrganization(name, now) {
      return createOrganizationSync(name, now);
    },

    async getOrganization(id) {
      const row = one('SELECT * FROM organizations WHERE id = ?', id);
      return row ? toOrganization(row) : null;
    },

    async createWorkspace(input) {
      return db.transaction(() => createWorkspaceSync(input)).immediate();
    },

    async getWorkspace(id) {
      const row = one('SELECT * FROM workspaces WHERE id = ?', id);
      return row ? toWorkspace(row) : null;
    },

    async listWorkspaces() {
      return all('SELECT * FROM workspaces ORDER BY id').map(toWorkspace);
    },

    async createDefaultWorkspaceIfEmpty(now) {
      return db
        .transaction(() => {
          if (one('SELECT 1 FROM workspaces LIMIT 1')) return null;
          return createWorkspaceSync({ name: 'default', organizationId: null, dailyRunLimit: null, concurrentRunLimit: null, now });
        })
        .immediate();
    },

    async createToken(token: ApiToken) {
      run(
        `INSERT INTO api_tokens (id, workspace_id, name, created_by, preview, hash, created_at, expires_at, last_used_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        token.id, token.workspaceId, token.name, token.createdBy, token.preview, token.hash,
        token.createdAt, token.expiresAt, token.lastUsedAt, token.revokedAt,
      );
    },

    async findTokenByHash(hash): Promise<TokenWithWorkspace | null> {
      const token = one('SELECT * FROM api_tokens WHERE hash = ?', hash);
      if (!token) return null;
      const workspace = one('SELECT * FROM workspaces WHERE id = ?', token.workspace_id)!;
      return { token: toToken(token), workspace: toWorkspace(workspace) };
    },

    async listTokens(workspaceId) {
      return all('SELECT * FROM api_tokens WHERE workspace_id = ? ORDER BY created_at DESC, id', workspaceId).map(toToken);
    },

    async getToken(workspaceId, tokenId) {
      const row = one('SELECT * FROM api_tokens WHERE workspace_id = ? AND id = ?', workspaceId, tokenId);
      return row ? toToken(row) : null;
    },

    async revokeToken(workspaceId, tokenId, now) {
      const result = run(
        'UPDATE api_tokens SET revoked_at = ? WHERE workspace_id = ? AND id = ? AND revoked_at IS NULL',
        now, workspaceId, tokenId,
      );
      return result.changes === 1;
    },

    async recordTokenUse(tokenId, now) {
      await writes.submit(() => run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', now, tokenId));
    },

    async applyWorkflow(input) {
      return applyWorkflowTx.immediate(input);
    },

    async getWorkflow(workspaceId, workflowId): Promise<Workflow | null> {
      const row = one('SELECT * FROM workflows WHERE workspace_id = ? AND id = ?', workspaceId, workflowId);
      return row ? toWorkflow(row) : null;
    },

    async listWorkflows(workspaceId, query: WorkflowListQuery) {
      const where = ['workspace_id = ?'];
      const params: unknown[] = [workspaceId];
      if (query.status === 'published') where.push('default_version > 0');
      if (query.status === 'draft') where.push('default_version = 0');
      if (query.search) {
        // instr() on lower() is a plain substring test: no LIKE wildcards to escape.
        where.push('instr(lower(name), lower(?)) > 0');
        params.push(query.search);
      }
      const clause = where.join(' AND ');
      const total = Number(one(`SELECT count(*) AS n FROM workflows WHERE ${clause}`, ...params)!.n);
      const items = all(
        `SELECT * FROM workflows WHERE ${clause} ORDER BY updated_at DESC, id LIMIT ? OFFSET ?`,
        ...params, query.limit, (query.page - 1) * query.limit,
      ).map(toWorkflow);
      return { items, total };
    },

    async getWorkflowVersion(workspaceId, workflowId, version): Promise<WorkflowVersion | null> {
      // Versions are immutable once published, so each is read and parsed once (the engine
      // asks for it at every run start). Deep-frozen: callers share the object.
      const key = `${workspaceId}\u0000${workflowId}\u0000${version}`;
      const cached = versionCache.get(key);
      if (cached) return cached;
      const row = one(
        'SELECT * FROM workflow_versions WHERE workspace_id = ? AND workflow_id = ? AND version = ?',
        workspaceId, workflowId, version,
      );
      if (!row) return null;
      const found = deepFreeze(toWorkflowVersion(row));
      if (versionCache.size >= VERSION_CACHE_SIZE) versionCache.delete(versionCache.keys().next().value!);
      versionCache.set(key, found);
      return found;
    },

    async listWorkflowVersions(workspaceId, workflowId) {
      return all(
        'SELECT * FROM workflow_versions WHERE workspace_id = ? AND workflow_id = ? ORDER BY version DESC',
        workspaceId, workflowId,
      ).map(toWorkflowVersion);
    },

    async createRun(input) {
      const result = await writes.submit((): CreateRunResult => {
        try {
          return createRunTx(input);
        } catch (error) {
          // Another process inserted the same key between our check and insert: replay it.
          if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE' || input.idempotencyKey === null) throw error;
          return createRunTx(input);
        }
      });
      if (result.kind === 'created') queued.emit('queued');
      return result;
    },

    async getRun(workspaceId, runId) {
      const found = getRunSync(runId);
      return found && found.workspaceId === workspaceId ? found : null;
    },

    async findRunByIdempotencyKey(workspaceId, key) {
      const row = one('SELECT * FROM runs WHERE workspace_id = ? AND idempotency_key = ?', workspaceId, key);
      return row ? toRun(row) : null;
    },

    async listRuns(workspaceId, query: RunListQuery) {
      const where = ['workspace_id = ?'];
      const params: unknown[] = [workspaceId];
      if (query.workflowId) {
        where.push('workflow_id = ?');
        params.push(query.workflowId);
      }
      if (query.status) {
        where.push('status = ?');
        params.push(query.status);
      }
      const clause = where.join(' AND ');
      const total = Number(one(`SELECT count(*) AS n FROM runs WHERE ${clause}`, ...params)!.n);
      const items = all(
        `SELECT * FROM runs WHERE ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
        ...params, query.limit, (query.page - 1) * query.limit,
      ).map(toRun);
      return { items, total };
    },

    async cancelQueuedRun(workspaceId, runId, now): Promise<CancelRunResult> {
      const row = await writes.submit(() => {
        const canceled = one(
          `UPDATE runs SET status = 'CANCELED', updated_at = ?, completed_at = ?
           WHERE id = ? AND workspace_id = ? AND status = 'QUEUED' RETURNING *`,
          now, now, runId, workspaceId,
        );
        if (canceled) recordRunDeliveriesSync({ all, run }, runRef(canceled), 'run.canceled', now);
        return canceled;
      });
      if (row) return { kind: 'canceled', run: toRun(row) };
      const found = getRunSync(runId);
      if (!found || found.workspaceId !== workspaceId) return { kind: 'not_found' };
      return { kind: 'not_cancelable', run: found };
    },

    onRunsQueued(listener) {
      queued.on('queued', listener);
      return () => queued.off('queued', listener);
    },

    async claimRuns(input) {
      if (input.limit <= 0) return [];
      return writes.submit(() => claimRunsTx(input));
    },

    async renewLease(runId, workerId, leaseExpiresAt) {
      const result = await writes.submit(() => run(
        `UPDATE runs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND status IN ('STARTING', 'RUNNING')`,
        leaseExpiresAt, runId, workerId,
      ));
      return result.changes === 1;
    },

    async markRunRunning(runId, workerId, now) {
      return writes.submit(() => {
        const result = run(
          `UPDATE runs SET status = 'RUNNING', updated_at = ? WHERE id = ? AND lease_owner = ? AND status = 'STARTING'`,
          now, runId, workerId,
        );
        if (result.changes === 1) return true;
        // Already RUNNING (a resumed run) is fine as long as the lease is ours.
        return one(`SELECT 1 FROM runs WHERE id = ? AND lease_owner = ? AND status = 'RUNNING'`, runId, workerId) !== undefined;
      });
    },

    async releaseRun(runId, workerId, availableAt, now) {
      const row = await writes.submit(() => one(
        `UPDATE runs SET lease_owner = NULL, wake_requested = 0,
           lease_expires_at = CASE WHEN wake_requested = 1 THEN min(?, ?) ELSE ? END
         WHERE id = ? AND lease_owner = ? AND status IN ('STARTING', 'RUNNING') RETURNING lease_expires_at`,
        availableAt, now, availableAt, runId, workerId,
      ));
      if (row && Number(row.lease_expires_at) <= now) queued.emit('queued');
      return row !== undefined;
    },

    async wakeRun(runId, now) {
      // Free and waiting: due now. Held by a worker: remembered, so its next release is due now.
      const row = await writes.submit(() => one(
        `UPDATE runs SET
           lease_expires_at = CASE WHEN lease_owner IS NULL THEN min(lease_expires_at, ?) ELSE lease_expires_at END,
           wake_requested = CASE WHEN lease_owner IS NULL THEN 0 ELSE 1 END
         WHERE id = ? AND status IN ('STARTING', 'RUNNING') RETURNING lease_owner`,
        now, runId,
      ));
      if (row && row.lease_owner === null) queued.emit('queued');
      return row !== undefined;
    },

    async finishRun(input: FinishRunInput) {
      return writes.submit(() => {
        const done = one(
          `UPDATE runs SET status = ?, output = ?, error = ?, updated_at = ?, completed_at = ?,
             lease_owner = NULL, lease_expires_at = NULL
           WHERE id = ? AND lease_owner = ? AND status IN ('STARTING', 'RUNNING') RETURNING id, workspace_id, workflow_id`,
          input.status, toJson(input.output), toJson(input.error), input.now, input.now, input.runId, input.workerId,
        );
        if (!done) return false;
        recordRunDeliveriesSync({ all, run }, runRef(done), runWebhookEvent(input.status)!, input.now);
        return true;
      });
    },

    async saveStepAttempt(workerId, attempt: StepAttempt) {
      // One statement guarded by the lease check before it; the pair is atomic in the batch's savepoint.
      return writes.submit(() => {
        const held = one(`SELECT 1 FROM runs WHERE id = ? AND lease_owner = ? AND status IN ('STARTING', 'RUNNING')`, attempt.runId, workerId);
        if (!held) return false;
        run(
          `INSERT INTO step_attempts (run_id, step_id, attempt, step_type, status, input, output, error, started_at, finished_at, wake_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (run_id, step_id, attempt) DO UPDATE SET
             status = excluded.status, input = excluded.input, output = excluded.output, error = excluded.error,
             finished_at = excluded.finished_at, wake_at = excluded.wake_at`,
          attempt.runId, attempt.stepId, attempt.attempt, attempt.stepType, attempt.status, toJson(attempt.input),
          toJson(attempt.output), toJson(attempt.error), attempt.startedAt, attempt.finishedAt, attempt.wakeAt,
        );
        return true;
      });
    },

    async listStepAttempts(runId) {
      return all('SELECT * FROM step_attempts WHERE run_id = ? ORDER BY started_at, step_id, attempt', runId).map(toStepAttempt);
    },
  };
  return store;
}

/** Freezes a parsed JSON value and everything in it, so a shared cached value cannot be changed. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
