-- Issue 10: the daily and concurrent run limits read counters instead of counting rows, so a
-- limited create costs the same with 10 or 1,000,000 runs in the workspace. The counters are
-- kept by triggers on `runs`, so they change in the same transaction as the insert or the
-- status change that causes it, whichever code path (create, batch, child, replay, schedule
-- fire, claim, finish, cancel, bulk cancel, abort, import, retention) makes it.
--   workspace_active_runs: root runs in QUEUED, STARTING or RUNNING (what the concurrent limit counts);
--   workspace_daily_runs:  root runs created per UTC day (day_start = that day's midnight, epoch ms).
-- Deleting a run (retention) leaves its creation day's count alone: a deleted run still
-- counted toward its day's limit. Deleting an active run takes it out of the active count.
CREATE TABLE workspace_active_runs (
  workspace_id  INTEGER NOT NULL PRIMARY KEY,
  n             INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE workspace_daily_runs (
  workspace_id  INTEGER NOT NULL,
  day_start     INTEGER NOT NULL,
  n             INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, day_start)
) WITHOUT ROWID;

CREATE TRIGGER runs_count_created AFTER INSERT ON runs WHEN NEW.parent_run_id IS NULL
BEGIN
  INSERT INTO workspace_daily_runs (workspace_id, day_start, n)
    VALUES (NEW.workspace_id, NEW.created_at - NEW.created_at % 86400000, 1)
    ON CONFLICT (workspace_id, day_start) DO UPDATE SET n = n + 1;
  INSERT INTO workspace_active_runs (workspace_id, n)
    SELECT NEW.workspace_id, 1 WHERE NEW.status IN ('QUEUED', 'STARTING', 'RUNNING')
    ON CONFLICT (workspace_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER runs_count_left_active AFTER UPDATE OF status ON runs
  WHEN NEW.parent_run_id IS NULL
    AND OLD.status IN ('QUEUED', 'STARTING', 'RUNNING') AND NEW.status NOT IN ('QUEUED', 'STARTING', 'RUNNING')
BEGIN
  UPDATE workspace_active_runs SET n = n - 1 WHERE workspace_id = NEW.workspace_id;
END;

CREATE TRIGGER runs_count_entered_active AFTER UPDATE OF status ON runs
  WHEN NEW.parent_run_id IS NULL
    AND OLD.status NOT IN ('QUEUED', 'STARTING', 'RUNNING') AND NEW.status IN ('QUEUED', 'STARTING', 'RUNNING')
BEGIN
  INSERT INTO workspace_active_runs (workspace_id, n) VALUES (NEW.workspace_id, 1)
    ON CONFLICT (workspace_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER runs_count_deleted_active AFTER DELETE ON runs
  WHEN OLD.parent_run_id IS NULL AND OLD.status IN ('QUEUED', 'STARTING', 'RUNNING')
BEGIN
  UPDATE workspace_active_runs SET n = n - 1 WHERE workspace_id = OLD.workspace_id;
END;

-- The counts of the runs already there.
INSERT INTO workspace_active_runs (workspace_id, n)
  SELECT workspace_id, count(*) FROM runs
  WHERE parent_run_id IS NULL AND status IN ('QUEUED', 'STARTING', 'RUNNING') GROUP BY workspace_id;
-- Runs retention (014) already deleted still count toward their day: deleted_runs keeps them
-- for 24 h after their creation, which covers every day a limit still reads.
INSERT INTO workspace_daily_runs (workspace_id, day_start, n)
  SELECT workspace_id, created_at - created_at % 86400000, count(*) FROM (
    SELECT workspace_id, created_at FROM runs WHERE parent_run_id IS NULL
    UNION ALL
    SELECT workspace_id, created_at FROM deleted_runs WHERE parent_run_id IS NULL
  ) AS created GROUP BY 1, 2;
