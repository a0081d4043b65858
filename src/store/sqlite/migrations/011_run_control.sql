-- Run control (SPEC §11, issue 15): an abort request any process can see, why a run was
-- canceled, and which attempts a replay copied from its source run.
ALTER TABLE runs ADD COLUMN abort_requested_at INTEGER;
ALTER TABLE runs ADD COLUMN abort_requested_by TEXT;
ALTER TABLE runs ADD COLUMN cancel_reason TEXT;
CREATE INDEX runs_abort_requested ON runs (abort_requested_at) WHERE abort_requested_at IS NOT NULL;
ALTER TABLE step_attempts ADD COLUMN reused_from TEXT;
