-- Fewer partial indexes on runs.status (issue 10, SQLite only): every status change (claim,
-- start, finish, cancel) and every insert maintains each index whose WHERE names `status`.
-- These two have no reader left:
--   runs_queued (created_at) WHERE QUEUED: read only by the queue-depth count of readiness and
--     metrics, which now counts on runs_claim_plain and runs_claim_keyed (together: every QUEUED
--     run); the claim reads those two since migration 016.
--   runs_workspace_active (workspace_id) WHERE QUEUED/STARTING/RUNNING: the concurrent limit reads
--     the counter of migration 018; only the counters' audit (tests) still counts rows, on
--     runs_workspace_created.
-- PostgreSQL keeps its indexes (a different cost model; its planner uses runs_queued for the
-- queue depth): this migration exists in the SQLite folder only.
DROP INDEX IF EXISTS runs_queued;
DROP INDEX IF EXISTS runs_workspace_active;
