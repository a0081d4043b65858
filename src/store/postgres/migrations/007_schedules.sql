-- Schedules (SPEC §8): cron calendars that start runs, and the log of their fires.
-- Mirrors sqlite/migrations/007_schedules.sql.
ALTER TABLE runs ADD COLUMN run_trigger json;
ALTER TABLE runs ADD COLUMN schedule_id text COLLATE "C";
CREATE INDEX runs_schedule_active ON runs (schedule_id) WHERE schedule_id IS NOT NULL AND status IN ('QUEUED', 'STARTING', 'RUNNING');

CREATE TABLE schedules (
  id                text    COLLATE "C" PRIMARY KEY,
  workspace_id      integer NOT NULL REFERENCES workspaces (id),
  workflow_id       text    COLLATE "C" NOT NULL,
  definition_id     text    COLLATE "C",
  source            text    NOT NULL,
  cron              text    NOT NULL,
  timezone          text    NOT NULL,
  inputs            json    NOT NULL,
  metadata          json,
  overlap           text    NOT NULL,
  catchup           text    NOT NULL,
  paused            integer NOT NULL DEFAULT 0,
  next_fire_at      bigint,
  last_fire_at      bigint,
  lease_owner       text,
  lease_expires_at  bigint,
  created_at        bigint  NOT NULL,
  updated_at        bigint  NOT NULL
);
CREATE INDEX schedules_due ON schedules (next_fire_at) WHERE next_fire_at IS NOT NULL;
CREATE INDEX schedules_workspace ON schedules (workspace_id, workflow_id, created_at);
CREATE UNIQUE INDEX schedules_definition ON schedules (workspace_id, workflow_id, definition_id) WHERE definition_id IS NOT NULL;

CREATE TABLE schedule_fires (
  schedule_id   text    COLLATE "C" NOT NULL,
  fire_at       bigint  NOT NULL,
  workspace_id  integer NOT NULL,
  run_id        text    COLLATE "C",
  outcome       text    NOT NULL,
  created_at    bigint  NOT NULL,
  PRIMARY KEY (schedule_id, fire_at)
);
CREATE INDEX schedule_fires_created ON schedule_fires (created_at);
