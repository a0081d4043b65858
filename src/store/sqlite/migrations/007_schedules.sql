-- Schedules (SPEC §8): cron calendars that start runs, and the log of their fires.
-- A run started by a schedule records its trigger and its schedule (for the overlap check).
ALTER TABLE runs ADD COLUMN run_trigger TEXT;
ALTER TABLE runs ADD COLUMN schedule_id TEXT;
CREATE INDEX runs_schedule_active ON runs (schedule_id) WHERE schedule_id IS NOT NULL AND status IN ('QUEUED', 'STARTING', 'RUNNING');

CREATE TABLE schedules (
  id                TEXT    PRIMARY KEY,
  workspace_id      INTEGER NOT NULL REFERENCES workspaces (id),
  workflow_id       TEXT    NOT NULL,
  -- The schedule's `id` in its workflow file; NULL for schedules made through the API.
  definition_id     TEXT,
  source            TEXT    NOT NULL,
  cron              TEXT    NOT NULL,
  timezone          TEXT    NOT NULL,
  inputs            TEXT    NOT NULL,
  metadata          TEXT,
  overlap           TEXT    NOT NULL,
  catchup           TEXT    NOT NULL,
  paused            INTEGER NOT NULL DEFAULT 0,
  -- The earliest fire time not yet handled; NULL while paused (or when the calendar has no next time).
  next_fire_at      INTEGER,
  last_fire_at      INTEGER,
  -- The firer holding the schedule while it fires it (claimed like a run, see DESIGN §2).
  lease_owner       TEXT,
  lease_expires_at  INTEGER,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX schedules_due ON schedules (next_fire_at) WHERE next_fire_at IS NOT NULL;
CREATE INDEX schedules_workspace ON schedules (workspace_id, workflow_id, created_at);
CREATE UNIQUE INDEX schedules_definition ON schedules (workspace_id, workflow_id, definition_id) WHERE definition_id IS NOT NULL;

-- One row per (schedule, fire time): the deduplication of fires, apart from the clients'
-- idempotency keys. Kept 30 days.
CREATE TABLE schedule_fires (
  schedule_id   TEXT    NOT NULL,
  fire_at       INTEGER NOT NULL,
  workspace_id  INTEGER NOT NULL,
  run_id        TEXT,
  outcome       TEXT    NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (schedule_id, fire_at)
);
CREATE INDEX schedule_fires_created ON schedule_fires (created_at);
