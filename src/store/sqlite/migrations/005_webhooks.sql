-- Webhooks (SPEC §10): endpoints of a workspace and the outbox of their deliveries.
-- A delivery row is written in the same transaction as the change it reports (a run's
-- terminal status, a waitpoint opening), so a crash loses none; a dispatcher in every process
-- with workers claims due rows with a lease, exactly like runs.
CREATE TABLE webhook_endpoints (
  id            TEXT    PRIMARY KEY,
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id),
  url           TEXT    NOT NULL,
  -- JSON array of event names, e.g. ["run.completed","run.failed"].
  events        TEXT    NOT NULL,
  workflow_id   TEXT,
  description   TEXT    NOT NULL,
  -- The signing secret (whsec_…): needed in clear to sign; shown to the API only at creation.
  secret        TEXT    NOT NULL,
  created_at    INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id, created_at);

CREATE TABLE webhook_deliveries (
  id                TEXT    PRIMARY KEY,
  endpoint_id       TEXT    NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  workspace_id      INTEGER NOT NULL,
  event             TEXT    NOT NULL,
  run_id            TEXT,
  -- The exact body every attempt sends; NULL until the first attempt for run events, which
  -- freezes the run's (terminal, immutable) details then. See docs/DECISIONS.md, issue 14.
  payload           TEXT,
  status            TEXT    NOT NULL,
  attempts          INTEGER NOT NULL DEFAULT 0,
  last_status_code  INTEGER,
  last_error        TEXT,
  next_attempt_at   INTEGER NOT NULL,
  -- Retries stop here (24 h after it was recorded, or after a redeliver).
  give_up_at        INTEGER NOT NULL,
  lease_owner       TEXT,
  lease_expires_at  INTEGER,
  created_at        INTEGER NOT NULL,
  delivered_at      INTEGER
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_run ON webhook_deliveries (run_id) WHERE run_id IS NOT NULL;
