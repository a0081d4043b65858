-- Flow control (SPEC §12, issue 16): priority, delay / not_before, ttl and per-key concurrency.
-- queue_at is a QUEUED run's place in its workspace's queue: when it became claimable
-- (not_before, else created_at) minus its priority (seconds of credit), in ms. Claims order
-- by it. NOT NULL DEFAULT 0: a row inserted without it is at the front, never stranded.
ALTER TABLE runs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN not_before INTEGER;
ALTER TABLE runs ADD COLUMN queue_at INTEGER NOT NULL DEFAULT 0;
-- A QUEUED run still queued at expires_at (claimable time + ttl) is canceled, cancel_reason 'expired'.
ALTER TABLE runs ADD COLUMN expires_at INTEGER;
-- The workflow's `concurrency` evaluated at creation: limit NULL = not limited; key '' = one
-- limit for the whole workflow (no `key`).
ALTER TABLE runs ADD COLUMN concurrency_key TEXT;
ALTER TABLE runs ADD COLUMN concurrency_limit INTEGER;
UPDATE runs SET queue_at = created_at WHERE status = 'QUEUED';
-- The claim: unlimited queued runs per workspace in queue order; limited ones per key.
CREATE INDEX runs_claim_plain ON runs (workspace_id, queue_at, id) WHERE status = 'QUEUED' AND concurrency_limit IS NULL;
CREATE INDEX runs_claim_keyed ON runs (workspace_id, workflow_id, concurrency_key, queue_at, id) WHERE status = 'QUEUED' AND concurrency_limit IS NOT NULL;
-- How many runs of a key are STARTING/RUNNING (at most its limit, so the count is cheap).
CREATE INDEX runs_key_active ON runs (workspace_id, workflow_id, concurrency_key) WHERE status IN ('STARTING', 'RUNNING') AND concurrency_limit IS NOT NULL;
CREATE INDEX runs_expiring ON runs (expires_at) WHERE status = 'QUEUED' AND expires_at IS NOT NULL;
-- One row per concurrency key that ever had a run: the claim's list of keys (so a held key's
-- queued runs are never scanned) and, on PostgreSQL, the row claimers lock for the key.
-- head_at: the queue_at of the key's first QUEUED run (never later than it), NULL when none.
CREATE TABLE concurrency_keys (
  workspace_id  INTEGER NOT NULL,
  workflow_id   TEXT    NOT NULL,
  key           TEXT    NOT NULL,
  head_at       INTEGER,
  PRIMARY KEY (workspace_id, workflow_id, key)
);
CREATE INDEX concurrency_keys_head ON concurrency_keys (head_at) WHERE head_at IS NOT NULL;
