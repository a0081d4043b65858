/**
 * The ceiling of this stack: a bare `node:http` server that parses the JSON body and does
 * one INSERT into the same `runs` table (same schema, indexes and pragmas as Slipway's),
 * with a statement prepared once. No auth, no validation, no framework.
 * Argument: a database URL (sqlite:<path> or postgres://…). Prints "listening on <url>".
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import Database from 'better-sqlite3';
import pg from 'pg';
import { parseDatabaseUrl } from '../../src/config/config.js';

const target = parseDatabaseUrl(process.argv[2]!);
const workspaceId = Number(process.argv[3] ?? 1);

const INSERT = `INSERT INTO runs (id, workspace_id, workflow_id, status, inputs, metadata, idempotency_key, parent_run_id, created_at, updated_at)
  VALUES ($1, $2, $3, 'QUEUED', $4, NULL, NULL, NULL, $5, $5)`;

const FALLBACK_SCHEMA = `
CREATE TABLE runs (
  id text PRIMARY KEY, workspace_id bigint NOT NULL, workflow_id text NOT NULL, status text NOT NULL, inputs text NOT NULL,
  metadata text, idempotency_key text, workflow_version int, execution_id text, output text, error text, parent_run_id text,
  created_at bigint NOT NULL, updated_at bigint NOT NULL, started_at bigint, completed_at bigint, lease_owner text,
  lease_expires_at bigint, claim_count int NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX runs_idempotency ON runs (workspace_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX runs_queued ON runs (created_at) WHERE status = 'QUEUED';
CREATE INDEX runs_leased ON runs (lease_expires_at) WHERE status IN ('STARTING', 'RUNNING');
CREATE INDEX runs_workspace_active ON runs (workspace_id) WHERE status IN ('QUEUED', 'STARTING', 'RUNNING');
CREATE INDEX runs_workspace_created ON runs (workspace_id, created_at);
CREATE INDEX runs_workspace_workflow ON runs (workspace_id, workflow_id, created_at);`;

let insert: (id: string, workflowId: string, inputs: string, now: number) => Promise<void>;
if (target.kind === 'sqlite') {
  const db = new Database(target.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  const statement = db.prepare(INSERT.replace(/\$\d/g, '?'));
  insert = async (id, workflowId, inputs, now) => {
    statement.run(id, workspaceId, workflowId, inputs, now, now);
  };
} else {
  const pool = new pg.Pool({ connectionString: target.url, max: 10 });
  // Without Slipway's PostgreSQL migrations (not built on this branch), the same table and indexes by hand.
  if ((await pool.query(`SELECT to_regclass('runs') AS t`)).rows[0].t === null) await pool.query(FALLBACK_SCHEMA);
  insert = async (id, workflowId, inputs, now) => {
    await pool.query({ name: 'insert-run', text: INSERT, values: [id, workspaceId, workflowId, inputs, now] });
  };
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { inputs: unknown };
    const workflowId = decodeURIComponent(request.url!.split('/')[6] ?? 'bench-one');
    const id = randomUUID();
    insert(id, workflowId, JSON.stringify(body.inputs), Date.now()).then(
      () => {
        response.writeHead(202, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ run_id: id, status: 'QUEUED' }));
      },
      (error: Error) => {
        response.writeHead(500);
        response.end(error.message);
      },
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
