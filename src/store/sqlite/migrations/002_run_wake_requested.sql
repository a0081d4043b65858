-- A wake-up (e.g. a child run finished) that arrived while a worker held the run: the
-- worker's next releaseRun makes the run due at once instead of at its planned wake time.
ALTER TABLE runs ADD COLUMN wake_requested INTEGER NOT NULL DEFAULT 0;
