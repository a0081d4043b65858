-- A wake-up (e.g. a child run finished) that arrived while a worker held the run: the
-- worker's next releaseRun makes the run due at once instead of at its planned wake time.
-- Mirrors sqlite/migrations/002_run_wake_requested.sql.
ALTER TABLE runs ADD COLUMN wake_requested integer NOT NULL DEFAULT 0;
