-- Mirrors sqlite/migrations/020_flow_key_counters.sql.
-- Issue 16, throughput: a concurrency key's row carries how many of its runs are STARTING or
-- RUNNING (`active`, kept by triggers in the same transaction as the status change, like the
-- limit counters of migration 018) and the limit its runs ask for (`run_limit`, the latest
-- created run's), so a claim locks only keys with a free slot, read from one partial index
-- (`concurrency_keys_free`) in queue order, `LIMIT room`, instead of locking every key with
-- queued runs and counting its active runs. A row with no QUEUED run (head_at NULL) and no
-- active run is deleted (by the trigger that takes the last active run out, or by the claim
-- that finds the key empty), so idle keys do not accumulate; the next create inserts it again.
ALTER TABLE concurrency_keys ADD COLUMN active integer NOT NULL DEFAULT 0;
ALTER TABLE concurrency_keys ADD COLUMN run_limit integer NOT NULL DEFAULT 0;
DROP INDEX concurrency_keys_head;
-- The count of a key's active runs is the counter now (claim and "why waiting" read it).
DROP INDEX runs_key_active;
CREATE INDEX concurrency_keys_free ON concurrency_keys (workspace_id, head_at) WHERE head_at IS NOT NULL AND active < run_limit;

-- Row triggers: a claim's UPDATE holds the rows of the keys it claims from (it locked them),
-- a finish takes its key's row briefly. Named to fire before 018's runs_count_* triggers, so
-- every writer takes a key row before a workspace counter shard (as a create does).
CREATE FUNCTION slipway_count_key_active() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  left_active integer;
  left_head bigint;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IN ('STARTING', 'RUNNING') THEN
    -- A claim (QUEUED -> STARTING), under the key's row lock its claimer holds: one more active
    -- run, and the head moves to the key's next QUEUED run (a fresh snapshot: every committed
    -- create of the key). The row exists (the claimer locked it); inserted if not, all the same.
    UPDATE concurrency_keys SET active = active + 1,
        head_at = (SELECT min(q.queue_at) FROM runs q WHERE q.workspace_id = NEW.workspace_id AND q.workflow_id = NEW.workflow_id
          AND q.concurrency_key = NEW.concurrency_key AND q.status = 'QUEUED' AND q.concurrency_limit IS NOT NULL)
      WHERE workspace_id = NEW.workspace_id AND workflow_id = NEW.workflow_id AND key = NEW.concurrency_key;
    IF NOT FOUND THEN
      INSERT INTO concurrency_keys AS c (workspace_id, workflow_id, key, head_at, active, run_limit)
        VALUES (NEW.workspace_id, NEW.workflow_id, NEW.concurrency_key, NULL, 1, NEW.concurrency_limit)
        ON CONFLICT (workspace_id, workflow_id, key) DO UPDATE SET active = c.active + 1;
    END IF;
  ELSIF TG_OP = 'INSERT' THEN
    -- A run written already active (an import).
    INSERT INTO concurrency_keys AS c (workspace_id, workflow_id, key, head_at, active, run_limit)
      VALUES (NEW.workspace_id, NEW.workflow_id, NEW.concurrency_key, NULL, 1, NEW.concurrency_limit)
      ON CONFLICT (workspace_id, workflow_id, key) DO UPDATE SET active = c.active + 1;
  ELSE
    -- An active run ended (or was deleted): one fewer; the row goes when the key is idle.
    UPDATE concurrency_keys SET active = active - 1
      WHERE workspace_id = OLD.workspace_id AND workflow_id = OLD.workflow_id AND key = OLD.concurrency_key
      RETURNING active, head_at INTO left_active, left_head;
    IF left_active <= 0 AND left_head IS NULL THEN
      DELETE FROM concurrency_keys WHERE workspace_id = OLD.workspace_id AND workflow_id = OLD.workflow_id AND key = OLD.concurrency_key;
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER runs_active_key_change AFTER UPDATE OF status ON runs FOR EACH ROW
  WHEN (NEW.concurrency_limit IS NOT NULL
    AND (OLD.status IN ('STARTING', 'RUNNING')) <> (NEW.status IN ('STARTING', 'RUNNING')))
  EXECUTE FUNCTION slipway_count_key_active();

CREATE TRIGGER runs_active_key_deleted AFTER DELETE ON runs FOR EACH ROW
  WHEN (OLD.concurrency_limit IS NOT NULL AND OLD.status IN ('STARTING', 'RUNNING'))
  EXECUTE FUNCTION slipway_count_key_active();

-- Runs written already active (an import): counted too.
CREATE TRIGGER runs_active_key_inserted AFTER INSERT ON runs FOR EACH ROW
  WHEN (NEW.concurrency_limit IS NOT NULL AND NEW.status IN ('STARTING', 'RUNNING'))
  EXECUTE FUNCTION slipway_count_key_active();

-- The rows of the keys runs already use, counted after the triggers above took their lock on
-- runs (no run changes between this count and the commit).
INSERT INTO concurrency_keys (workspace_id, workflow_id, key, head_at)
  SELECT workspace_id, workflow_id, concurrency_key, NULL FROM runs
  WHERE concurrency_limit IS NOT NULL AND status IN ('STARTING', 'RUNNING') GROUP BY 1, 2, 3
  ON CONFLICT (workspace_id, workflow_id, key) DO NOTHING;
UPDATE concurrency_keys c SET
  active = (SELECT count(*) FROM runs r WHERE r.workspace_id = c.workspace_id AND r.workflow_id = c.workflow_id
    AND r.concurrency_key = c.key AND r.status IN ('STARTING', 'RUNNING') AND r.concurrency_limit IS NOT NULL),
  run_limit = coalesce((SELECT r.concurrency_limit FROM runs r WHERE r.workspace_id = c.workspace_id AND r.workflow_id = c.workflow_id
    AND r.concurrency_key = c.key AND r.concurrency_limit IS NOT NULL ORDER BY r.created_at DESC LIMIT 1), 0);
DELETE FROM concurrency_keys WHERE head_at IS NULL AND active = 0;
