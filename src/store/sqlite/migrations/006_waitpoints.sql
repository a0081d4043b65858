-- Waitpoints (SPEC §7): what a `wait` step waits for. A row is opened once per step attempt
-- (open_key), completed once (every completion is guarded by status = 'OPEN'), and its run is
-- made due in the same transaction as the completion.
CREATE TABLE waitpoints (
  id            TEXT    PRIMARY KEY,
  workspace_id  INTEGER NOT NULL,
  run_id        TEXT    NOT NULL,
  workflow_id   TEXT    NOT NULL,
  step_id       TEXT    NOT NULL,
  -- run id, step id and attempt: opening again (a resumed attempt) finds the same row.
  open_key      TEXT    NOT NULL UNIQUE,
  kind          TEXT    NOT NULL,
  status        TEXT    NOT NULL,
  prompt        TEXT,
  fields        TEXT,
  event         TEXT,
  -- kind event: the match expression and the {inputs, steps, run} it is evaluated over.
  match         TEXT,
  match_scope   TEXT,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER,
  completed_at  INTEGER,
  decision      TEXT,
  data          TEXT,
  completed_by  TEXT,
  -- When the step's notify request was sent (or tried); NULL: still to send (also after a crash).
  notified_at   INTEGER,
  notify_error  TEXT
);
CREATE INDEX waitpoints_inbox ON waitpoints (workspace_id, created_at);
CREATE INDEX waitpoints_run ON waitpoints (run_id);
CREATE INDEX waitpoints_open_events ON waitpoints (workspace_id, event) WHERE status = 'OPEN' AND kind = 'event';

-- POST /events ids seen in the last 24 h (de-duplication).
CREATE TABLE waitpoint_event_ids (
  workspace_id  INTEGER NOT NULL,
  event_id      TEXT    NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, event_id)
);
