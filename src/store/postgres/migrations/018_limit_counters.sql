-- Issue 10: the daily and concurrent run limits read counters instead of counting rows, so a
-- limited create costs the same with 10 or 1,000,000 runs in the workspace. Mirrors
-- sqlite/migrations/018_limit_counters.sql: triggers on `runs` keep the counters in the same
-- transaction as the insert or the status change that causes it, whatever code path makes it.
--   workspace_active_runs: root runs in QUEUED, STARTING or RUNNING (what the concurrent limit counts);
--   workspace_daily_runs:  root runs created per UTC day (day_start = that day's midnight, epoch ms).
-- Deleting a run (retention) leaves its creation day's count alone; deleting an active run
-- takes it out of the active count.
--
-- Each counter is split into shards (one per connection: pg_backend_pid() % 16) and read as
-- their sum. One row per workspace would be locked by every create and finish of the
-- workspace until its commit, so concurrent writers would wait for each other's WAL flush
-- (what NOTIFY-in-transaction did to creates, see postgres-runs.ts). Exactness does not need
-- the one row: every limited create first locks the workspace row, so limited creates of a
-- workspace take turns, and each reads the sum after the previous one committed.
CREATE TABLE workspace_active_runs (
  workspace_id  integer  NOT NULL,
  shard         smallint NOT NULL,
  n             bigint   NOT NULL,
  PRIMARY KEY (workspace_id, shard)
);

CREATE TABLE workspace_daily_runs (
  workspace_id  integer  NOT NULL,
  day_start     bigint   NOT NULL,
  shard         smallint NOT NULL,
  n             bigint   NOT NULL,
  PRIMARY KEY (workspace_id, day_start, shard)
);

-- A statement trigger: a batch's multi-row INSERT adds to each counter once.
CREATE FUNCTION slipway_count_runs_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO workspace_daily_runs AS c (workspace_id, day_start, shard, n)
    SELECT workspace_id, created_at - created_at % 86400000, pg_backend_pid() % 16, count(*)
    FROM created_runs WHERE parent_run_id IS NULL GROUP BY 1, 2
    ON CONFLICT (workspace_id, day_start, shard) DO UPDATE SET n = c.n + excluded.n;
  INSERT INTO workspace_active_runs AS c (workspace_id, shard, n)
    SELECT workspace_id, pg_backend_pid() % 16, count(*)
    FROM created_runs WHERE parent_run_id IS NULL AND status IN ('QUEUED', 'STARTING', 'RUNNING') GROUP BY 1
    ON CONFLICT (workspace_id, shard) DO UPDATE SET n = c.n + excluded.n;
  RETURN NULL;
END $$;

CREATE FUNCTION slipway_count_run_active_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta integer := -1;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.status IN ('QUEUED', 'STARTING', 'RUNNING') THEN delta := 1; END IF;
  END IF;
  INSERT INTO workspace_active_runs AS c (workspace_id, shard, n)
    VALUES (OLD.workspace_id, pg_backend_pid() % 16, delta)
    ON CONFLICT (workspace_id, shard) DO UPDATE SET n = c.n + excluded.n;
  RETURN NULL;
END $$;

CREATE TRIGGER runs_count_created AFTER INSERT ON runs
  REFERENCING NEW TABLE AS created_runs FOR EACH STATEMENT EXECUTE FUNCTION slipway_count_runs_created();

CREATE TRIGGER runs_count_active_change AFTER UPDATE OF status ON runs FOR EACH ROW
  WHEN (NEW.parent_run_id IS NULL
    AND (OLD.status IN ('QUEUED', 'STARTING', 'RUNNING')) <> (NEW.status IN ('QUEUED', 'STARTING', 'RUNNING')))
  EXECUTE FUNCTION slipway_count_run_active_change();

CREATE TRIGGER runs_count_deleted_active AFTER DELETE ON runs FOR EACH ROW
  WHEN (OLD.parent_run_id IS NULL AND OLD.status IN ('QUEUED', 'STARTING', 'RUNNING'))
  EXECUTE FUNCTION slipway_count_run_active_change();

-- The counts of the runs already there. The triggers above already hold their lock on runs,
-- so no run is written between this count and the commit.
INSERT INTO workspace_active_runs (workspace_id, shard, n)
  SELECT workspace_id, 0, count(*) FROM runs
  WHERE parent_run_id IS NULL AND status IN ('QUEUED', 'STARTING', 'RUNNING') GROUP BY workspace_id;
-- Runs retention (014) already deleted still count toward their day: deleted_runs keeps them
-- for 24 h after their creation, which covers every day a limit still reads.
INSERT INTO workspace_daily_runs (workspace_id, day_start, shard, n)
  SELECT workspace_id, created_at - created_at % 86400000, 0, count(*) FROM (
    SELECT workspace_id, created_at FROM runs WHERE parent_run_id IS NULL
    UNION ALL
    SELECT workspace_id, created_at FROM deleted_runs WHERE parent_run_id IS NULL
  ) AS created GROUP BY 1, 2;
