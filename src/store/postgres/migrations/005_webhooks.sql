-- Webhooks (SPEC §10), PostgreSQL dialect; mirrors sqlite/migrations/005_webhooks.sql.
CREATE TABLE webhook_endpoints (
  id            text    COLLATE "C" PRIMARY KEY,
  workspace_id  integer NOT NULL REFERENCES workspaces (id),
  url           text    NOT NULL,
  events        json    NOT NULL,
  workflow_id   text    COLLATE "C",
  description   text    NOT NULL,
  secret        text    NOT NULL,
  created_at    bigint  NOT NULL
);
CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id, created_at);

CREATE TABLE webhook_deliveries (
  id                text    COLLATE "C" PRIMARY KEY,
  endpoint_id       text    COLLATE "C" NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  workspace_id      integer NOT NULL,
  event             text    NOT NULL,
  run_id            text    COLLATE "C",
  payload           text,
  status            text    NOT NULL,
  attempts          integer NOT NULL DEFAULT 0,
  last_status_code  integer,
  last_error        text,
  next_attempt_at   bigint  NOT NULL,
  give_up_at        bigint  NOT NULL,
  lease_owner       text,
  lease_expires_at  bigint,
  created_at        bigint  NOT NULL,
  delivered_at      bigint
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_run ON webhook_deliveries (run_id) WHERE run_id IS NOT NULL;
