-- Workers registry (SPEC §12, issue 16): every process with workers heartbeats its row every
-- third of its lease timeout; it is live while expires_at (last_seen_at + its lease timeout)
-- is in the future. A clean shutdown deletes the row; a killed process's row stops being live
-- when it expires and is deleted by any heartbeat a day later.
CREATE TABLE workers (
  worker_id     TEXT    PRIMARY KEY,
  host          TEXT    NOT NULL,
  pid           INTEGER NOT NULL,
  started_at    INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  concurrency   INTEGER NOT NULL,
  -- The runs the process was executing at its last heartbeat, all workspaces: [{run_id, workspace_id}].
  active_runs   TEXT    NOT NULL DEFAULT '[]'
);
