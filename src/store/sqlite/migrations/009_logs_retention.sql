-- Step logs (SPEC §17): lines a step wrote, numbered per run from 1 (seq), at most SLIPWAY_MAX_LOG_LINES per run.
CREATE TABLE step_logs (
  run_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  step_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL,
  fields TEXT,
  PRIMARY KEY (run_id, seq)
);
