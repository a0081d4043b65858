-- Slipway schema, SQLite dialect. Times are INTEGER epoch milliseconds; JSON is TEXT.

CREATE TABLE organizations (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT    NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE workspaces (
  id                    INTEGER PRIMARY KEY AUTOINCREMENT,
  organization_id       INTEGER NOT NULL REFERENCES organizations(id),
  name                  TEXT    NOT NULL,
  daily_run_limit       INTEGER,
  concurrent_run_limit  INTEGER,
  created_at            INTEGER NOT NULL
);

CREATE TABLE api_tokens (
  id            TEXT    PRIMARY KEY,
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id),
  name          TEXT    NOT NULL,
  created_by    TEXT    NOT NULL,
  preview       TEXT    NOT NULL,
  hash          TEXT    NOT NULL UNIQUE,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER,
  last_used_at  INTEGER,
  revoked_at    INTEGER
);
CREATE INDEX api_tokens_workspace ON api_tokens (workspace_id, created_at);

CREATE TABLE workflows (
  workspace_id      INTEGER NOT NULL REFERENCES workspaces(id),
  id                TEXT    NOT NULL,
  uuid              TEXT    NOT NULL,
  name              TEXT    NOT NULL,
  description       TEXT    NOT NULL,
  categories        TEXT    NOT NULL,
  emoji             TEXT    NOT NULL,
  color             TEXT    NOT NULL,
  readme            TEXT    NOT NULL,
  default_version   INTEGER NOT NULL DEFAULT 0,
  total_versions    INTEGER NOT NULL DEFAULT 0,
  draft_definition  TEXT    NOT NULL,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX workflows_updated ON workflows (workspace_id, updated_at DESC);

CREATE TABLE workflow_versions (
  workspace_id  INTEGER NOT NULL,
  workflow_id   TEXT    NOT NULL,
  version       INTEGER NOT NULL,
  definition    TEXT    NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, workflow_id, version),
  FOREIGN KEY (workspace_id, workflow_id) REFERENCES workflows (workspace_id, id)
);

CREATE TABLE runs (
  id                TEXT    PRIMARY KEY,
  workspace_id      INTEGER NOT NULL REFERENCES workspaces(id),
  workflow_id       TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  inputs            TEXT    NOT NULL,
  metadata          TEXT,
  idempotency_key   TEXT,
  workflow_version  INTEGER,
  execution_id      TEXT,
  output            TEXT,
  error             TEXT,
  parent_run_id     TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  started_at        INTEGER,
  completed_at      INTEGER,
  lease_owner       TEXT,
  lease_expires_at  INTEGER,
  claim_count       INTEGER NOT NULL DEFAULT 0
);
-- Idempotency keys live with their run: kept as long as the run (SPEC asks for 24 h at least).
CREATE UNIQUE INDEX runs_idempotency ON runs (workspace_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- The claim query: queued runs oldest first.
CREATE INDEX runs_queued ON runs (created_at) WHERE status = 'QUEUED';
-- Expired leases (crashed workers, due waits) among started runs.
CREATE INDEX runs_leased ON runs (lease_expires_at) WHERE status IN ('STARTING', 'RUNNING');
-- Limits: active runs and runs created today, per workspace.
CREATE INDEX runs_workspace_active ON runs (workspace_id) WHERE status IN ('QUEUED', 'STARTING', 'RUNNING');
CREATE INDEX runs_workspace_created ON runs (workspace_id, created_at);
CREATE INDEX runs_workspace_workflow ON runs (workspace_id, workflow_id, created_at);

CREATE TABLE step_attempts (
  run_id       TEXT    NOT NULL REFERENCES runs(id),
  step_id      TEXT    NOT NULL,
  attempt      INTEGER NOT NULL,
  step_type    TEXT    NOT NULL,
  status       TEXT    NOT NULL,
  input        TEXT,
  output       TEXT,
  error        TEXT,
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  wake_at      INTEGER,
  PRIMARY KEY (run_id, step_id, attempt)
);
