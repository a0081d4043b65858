-- Issue 16, throughput: a concurrency key's row carries how many of its runs are STARTING or
-- RUNNING (`active`, kept by triggers in the same transaction as the status change, like the
-- limit counters of migration 018) and the limit its runs ask for (`run_limit`, the latest
-- created run's), so a claim reads the keys with a free slot from one partial index
-- (`concurrency_keys_free`) in queue order, `LIMIT room`, instead of counting every key's
-- active runs. A row with no QUEUED run (head_at NULL) and no active run is deleted (by the
-- trigger that takes the last active run out, or by the claim that finds the key empty), so
-- idle keys do not accumulate; the next create of the key inserts it again.
ALTER TABLE concurrency_keys ADD COLUMN active INTEGER NOT NULL DEFAULT 0;
ALTER TABLE concurrency_keys ADD COLUMN run_limit INTEGER NOT NULL DEFAULT 0;
DROP INDEX concurrency_keys_head;
-- The count of a key's active runs is the counter now (claim and "why waiting" read it).
DROP INDEX runs_key_active;
-- The rows of the keys runs already use (016 kept head_at; counts and limits from the runs).
INSERT INTO concurrency_keys (workspace_id, workflow_id, key, head_at)
  SELECT workspace_id, workflow_id, concurrency_key, NULL FROM runs
  WHERE concurrency_limit IS NOT NULL AND status IN ('STARTING', 'RUNNING') GROUP BY 1, 2, 3
  ON CONFLICT (workspace_id, workflow_id, key) DO NOTHING;
UPDATE concurrency_keys SET
  active = (SELECT count(*) FROM runs r WHERE r.workspace_id = concurrency_keys.workspace_id AND r.workflow_id = concurrency_keys.workflow_id
    AND r.concurrency_key = concurrency_keys.key AND r.status IN ('STARTING', 'RUNNING') AND r.concurrency_limit IS NOT NULL),
  run_limit = coalesce((SELECT r.concurrency_limit FROM runs r WHERE r.workspace_id = concurrency_keys.workspace_id AND r.workflow_id = concurrency_keys.workflow_id
    AND r.concurrency_key = concurrency_keys.key AND r.concurrency_limit IS NOT NULL ORDER BY r.created_at DESC LIMIT 1), 0);
DELETE FROM concurrency_keys WHERE head_at IS NULL AND active = 0;
-- The claim's list: keys with QUEUED runs and a free slot, per workspace in queue order.
CREATE INDEX concurrency_keys_free ON concurrency_keys (workspace_id, head_at) WHERE head_at IS NOT NULL AND active < run_limit;

-- A claim (QUEUED -> STARTING): one more active run, and the key's head moves to its next QUEUED run.
CREATE TRIGGER runs_key_entered_active AFTER UPDATE OF status ON runs
  WHEN NEW.concurrency_limit IS NOT NULL
    AND OLD.status NOT IN ('STARTING', 'RUNNING') AND NEW.status IN ('STARTING', 'RUNNING')
BEGIN
  INSERT INTO concurrency_keys (workspace_id, workflow_id, key, head_at, active, run_limit)
    VALUES (NEW.workspace_id, NEW.workflow_id, NEW.concurrency_key,
      (SELECT min(q.queue_at) FROM runs q WHERE q.workspace_id = NEW.workspace_id AND q.workflow_id = NEW.workflow_id
         AND q.concurrency_key = NEW.concurrency_key AND q.status = 'QUEUED' AND q.concurrency_limit IS NOT NULL),
      1, NEW.concurrency_limit)
    ON CONFLICT (workspace_id, workflow_id, key) DO UPDATE SET active = active + 1, head_at = excluded.head_at;
END;

CREATE TRIGGER runs_key_left_active AFTER UPDATE OF status ON runs
  WHEN NEW.concurrency_limit IS NOT NULL
    AND OLD.status IN ('STARTING', 'RUNNING') AND NEW.status NOT IN ('STARTING', 'RUNNING')
BEGIN
  UPDATE concurrency_keys SET active = active - 1
    WHERE workspace_id = OLD.workspace_id AND workflow_id = OLD.workflow_id AND key = OLD.concurrency_key;
  DELETE FROM concurrency_keys
    WHERE workspace_id = OLD.workspace_id AND workflow_id = OLD.workflow_id AND key = OLD.concurrency_key AND active <= 0 AND head_at IS NULL;
END;

CREATE TRIGGER runs_key_deleted_active AFTER DELETE ON runs
  WHEN OLD.concurrency_limit IS NOT NULL AND OLD.status IN ('STARTING', 'RUNNING')
BEGIN
  UPDATE concurrency_keys SET active = active - 1
    WHERE workspace_id = OLD.workspace_id AND workflow_id = OLD.workflow_id AND key = OLD.concurrency_key;
  DELETE FROM concurrency_keys
    WHERE workspace_id = OLD.workspace_id AND workflow_id = OLD.workflow_id AND key = OLD.concurrency_key AND active <= 0 AND head_at IS NULL;
END;

-- Runs written already active (an import): counted too.
CREATE TRIGGER runs_key_inserted_active AFTER INSERT ON runs
  WHEN NEW.concurrency_limit IS NOT NULL AND NEW.status IN ('STARTING', 'RUNNING')
BEGIN
  INSERT INTO concurrency_keys (workspace_id, workflow_id, key, head_at, active, run_limit)
    VALUES (NEW.workspace_id, NEW.workflow_id, NEW.concurrency_key, NULL, 1, NEW.concurrency_limit)
    ON CONFLICT (workspace_id, workflow_id, key) DO UPDATE SET active = active + 1;
END;
