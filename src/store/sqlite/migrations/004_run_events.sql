-- The run event log (SPEC §9). `seq` is a per-run counter taken from runs.event_seq in the
-- transaction that writes the event, so a reader of "seq > N" never skips one. step_id is
-- set for step.* events; step.delta rows are deleted when their step's attempt ends.
ALTER TABLE runs ADD COLUMN event_seq INTEGER NOT NULL DEFAULT 0;
CREATE TABLE run_events (
  run_id      TEXT    NOT NULL REFERENCES runs (id),
  seq         INTEGER NOT NULL,
  type        TEXT    NOT NULL,
  step_id     TEXT,
  data        TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
