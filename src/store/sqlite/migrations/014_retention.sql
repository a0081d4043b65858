-- Retention (SPEC §17, issue 21): how long a workspace keeps its finished runs, per final
-- status (milliseconds; NULL: forever), and what is kept of a run the sweeper deleted.
ALTER TABLE workspaces ADD COLUMN retention_completed_ms INTEGER;
ALTER TABLE workspaces ADD COLUMN retention_failed_ms INTEGER;
ALTER TABLE workspaces ADD COLUMN retention_canceled_ms INTEGER;
-- The sweeper's query: a workspace's finished runs of one status, oldest end first.
CREATE INDEX runs_finished ON runs (workspace_id, status, completed_at) WHERE status IN ('COMPLETED', 'FAILED', 'CANCELED');
-- A deleted run, until 24 h after it was created: its idempotency record (a replay of the
-- key answers it) and its place in the daily run limit of the day it was created.
CREATE TABLE deleted_runs (
  id               TEXT    PRIMARY KEY,
  workspace_id     INTEGER NOT NULL,
  workflow_id      TEXT    NOT NULL,
  idempotency_key  TEXT,
  status           TEXT    NOT NULL,
  execution_id     TEXT,
  parent_run_id    TEXT,
  created_at       INTEGER NOT NULL,
  deleted_at       INTEGER NOT NULL
);
CREATE INDEX deleted_runs_idempotency ON deleted_runs (workspace_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX deleted_runs_workspace_created ON deleted_runs (workspace_id, created_at);
CREATE INDEX deleted_runs_created ON deleted_runs (created_at);
