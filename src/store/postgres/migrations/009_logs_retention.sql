-- Step logs (SPEC §17): lines a step wrote, numbered per run from 1 (seq), at most SLIPWAY_MAX_LOG_LINES per run.
CREATE TABLE step_logs (
  run_id text NOT NULL,
  seq integer NOT NULL,
  at bigint NOT NULL,
  step_id text NOT NULL,
  attempt integer NOT NULL,
  level text NOT NULL,
  message text NOT NULL,
  fields jsonb,
  PRIMARY KEY (run_id, seq)
);
