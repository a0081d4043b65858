-- Waitpoints (SPEC §7), PostgreSQL dialect; mirrors sqlite/migrations/006_waitpoints.sql.
CREATE TABLE waitpoints (
  id            text    COLLATE "C" PRIMARY KEY,
  workspace_id  integer NOT NULL,
  run_id        text    COLLATE "C" NOT NULL,
  workflow_id   text    COLLATE "C" NOT NULL,
  step_id       text    NOT NULL,
  open_key      text    COLLATE "C" NOT NULL UNIQUE,
  kind          text    NOT NULL,
  status        text    NOT NULL,
  prompt        text,
  fields        text,
  event         text,
  match         text,
  match_scope   text,
  created_at    bigint  NOT NULL,
  expires_at    bigint,
  completed_at  bigint,
  decision      text,
  data          text,
  completed_by  text,
  notified_at   bigint,
  notify_error  text
);
CREATE INDEX waitpoints_inbox ON waitpoints (workspace_id, created_at);
CREATE INDEX waitpoints_run ON waitpoints (run_id);
CREATE INDEX waitpoints_open_events ON waitpoints (workspace_id, event) WHERE status = 'OPEN' AND kind = 'event';

CREATE TABLE waitpoint_event_ids (
  workspace_id  integer NOT NULL,
  event_id      text    COLLATE "C" NOT NULL,
  created_at    bigint  NOT NULL,
  PRIMARY KEY (workspace_id, event_id)
);
