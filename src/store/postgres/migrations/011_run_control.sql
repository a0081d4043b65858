-- Run control (SPEC §11, issue 15): an abort request any process can see, why a run was
-- canceled, and which attempts a replay copied from its source run.
-- Mirrors sqlite/migrations/011_run_control.sql.
ALTER TABLE runs ADD COLUMN abort_requested_at bigint;
ALTER TABLE runs ADD COLUMN abort_requested_by text;
ALTER TABLE runs ADD COLUMN cancel_reason text;
CREATE INDEX runs_abort_requested ON runs (abort_requested_at) WHERE abort_requested_at IS NOT NULL;
ALTER TABLE step_attempts ADD COLUMN reused_from text;
