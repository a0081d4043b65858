-- Budgets of SPEC §16 (issue 19): every child run knows its root run and its depth, so
-- SLIPWAY_MAX_RUN_DEPTH and SLIPWAY_MAX_RUN_TREE are checked in createRun's transaction.
-- A root run has root_run_id NULL and depth 0.
ALTER TABLE runs ADD COLUMN root_run_id TEXT;
ALTER TABLE runs ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
CREATE INDEX runs_root ON runs (root_run_id) WHERE root_run_id IS NOT NULL;
-- Existing child runs, one level per statement (child runs nested at most 8 deep before).
UPDATE runs SET root_run_id = COALESCE(p.root_run_id, p.id), depth = p.depth + 1
  FROM runs AS p
  WHERE runs.parent_run_id = p.id AND runs.root_run_id IS NULL AND (p.parent_run_id IS NULL OR p.root_run_id IS NOT NULL);
UPDATE runs SET root_run_id = COALESCE(p.root_run_id, p.id), depth = p.depth + 1
  FROM runs AS p
  WHERE runs.parent_run_id = p.id AND runs.root_run_id IS NULL AND (p.parent_run_id IS NULL OR p.root_run_id IS NOT NULL);
UPDATE runs SET root_run_id = COALESCE(p.root_run_id, p.id), depth = p.depth + 1
  FROM runs AS p
  WHERE runs.parent_run_id = p.id AND runs.root_run_id IS NULL AND (p.parent_run_id IS NULL OR p.root_run_id IS NOT NULL);
UPDATE runs SET root_run_id = COALESCE(p.root_run_id, p.id), depth = p.depth + 1
  FROM runs AS p
  WHERE runs.parent_run_id = p.id AND runs.root_run_id IS NULL AND (p.parent_run_id IS NULL OR p.root_run_id IS NOT NULL);
UPDATE runs SET root_run_id = COALESCE(p.root_run_id, p.id), depth = p.depth + 1
  FROM runs AS p
  WHERE runs.parent_run_id = p.id AND runs.root_run_id IS NULL AND (p.parent_run_id IS NULL OR p.root_run_id IS NOT NULL);
UPDATE runs SET root_run_id = COALESCE(p.root_run_id, p.id), depth = p.depth + 1
  FROM runs AS p
  WHERE runs.parent_run_id = p.id AND runs.root_run_id IS NULL AND (p.parent_run_id IS NULL OR p.root_run_id IS NOT NULL);
UPDATE runs SET root_run_id = COALESCE(p.root_run_id, p.id), depth = p.depth + 1
  FROM runs AS p
  WHERE runs.parent_run_id = p.id AND runs.root_run_id IS NULL AND (p.parent_run_id IS NULL OR p.root_run_id IS NOT NULL);
UPDATE runs SET root_run_id = COALESCE(p.root_run_id, p.id), depth = p.depth + 1
  FROM runs AS p
  WHERE runs.parent_run_id = p.id AND runs.root_run_id IS NULL AND (p.parent_run_id IS NULL OR p.root_run_id IS NOT NULL);
UPDATE runs SET root_run_id = COALESCE(p.root_run_id, p.id), depth = p.depth + 1
  FROM runs AS p
  WHERE runs.parent_run_id = p.id AND runs.root_run_id IS NULL AND (p.parent_run_id IS NULL OR p.root_run_id IS NOT NULL);
