-- Fencing: every claim of a run gets a fresh claim token, and every write the engine makes
-- under the lease (checkpoint, mark running, release, finish, renew) is guarded by it, so an
-- executor whose run was claimed again (by another worker, or by its own after a stall longer
-- than the lease) can never write again. NULL while no worker holds the run.
ALTER TABLE runs ADD COLUMN claim_token TEXT;
