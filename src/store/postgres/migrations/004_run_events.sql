-- The run event log (SPEC §9). Mirrors sqlite/migrations/004_run_events.sql. `seq` is a
-- per-run counter taken from runs.event_seq in the transaction that writes the event (the
-- UPDATE locks the run row, so a run's events commit in seq order and a reader of
-- "seq > N" never skips one). step.delta rows are deleted when their step's attempt ends.
ALTER TABLE runs ADD COLUMN event_seq integer NOT NULL DEFAULT 0;
CREATE TABLE run_events (
  run_id      text    COLLATE "C" NOT NULL REFERENCES runs (id),
  seq         integer NOT NULL,
  type        text    NOT NULL,
  step_id     text    COLLATE "C",
  data        json    NOT NULL,
  created_at  bigint  NOT NULL,
  PRIMARY KEY (run_id, seq)
);
