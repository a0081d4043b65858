-- Issue 10 (PostgreSQL only): the group commit's chunk of a workspace with limits in one round
-- trip. A limited create must read the limit counters after it holds the workspace's row lock
-- (so it sees what the previous holder committed), and in READ COMMITTED one statement reads
-- everything in the snapshot it took before waiting for the lock; a VOLATILE function takes a
-- fresh snapshot for each statement it runs. So this function locks the workspace, reads the
-- counters and checks the guards in new snapshots, and inserts the chunk's runs and their
-- QUEUED events when every one of them fits under both limits — all before its caller's
-- autocommit statement commits, so the lock is held for one statement and its WAL flush
-- instead of five round trips. It returns false, having written nothing, when the chunk does
-- not fit whole or a guard no longer holds: the caller then judges the chunk item by item in a
-- transaction (postgres-batch-runs.ts), which refuses exactly the items over the limit.
-- Only for chunks without idempotency keys and concurrency keys (the caller checks).
CREATE FUNCTION slipway_create_limited_chunk(
  p_workspace_id integer, p_day_start bigint,
  p_guard_token_ids text[], p_guard_workflow_ids text[], p_guard_versions integer[], p_guard_nows bigint[],
  p_ids text[], p_workflow_ids text[], p_inputs text[], p_metadata text[], p_triggers text[], p_nows bigint[],
  p_trace_ids text[], p_trace_parent_span_ids text[], p_trace_span_ids text[], p_trace_sampled boolean[],
  p_priorities integer[], p_not_befores bigint[], p_queue_ats bigint[], p_expires_ats bigint[], p_event_data text[]
) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_daily integer;
  v_concurrent integer;
  v_count integer := cardinality(p_ids);
BEGIN
  SELECT daily_run_limit, concurrent_run_limit INTO v_daily, v_concurrent
    FROM workspaces WHERE id = p_workspace_id FOR NO KEY UPDATE;
  IF NOT FOUND THEN RETURN false; END IF;
  IF v_daily IS NOT NULL AND (SELECT COALESCE(sum(c.n), 0) FROM workspace_daily_runs c
      WHERE c.workspace_id = p_workspace_id AND c.day_start >= p_day_start) + v_count > v_daily THEN
    RETURN false;
  END IF;
  IF v_concurrent IS NOT NULL AND (SELECT COALESCE(sum(c.n), 0) FROM workspace_active_runs c
      WHERE c.workspace_id = p_workspace_id) + v_count > v_concurrent THEN
    RETURN false;
  END IF;
  IF EXISTS (SELECT 1 FROM unnest(p_guard_token_ids, p_guard_workflow_ids, p_guard_versions, p_guard_nows) AS g(token_id, workflow_id, version, now)
      WHERE NOT (EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = g.token_id AND t.workspace_id = p_workspace_id AND t.revoked_at IS NULL
              AND (t.expires_at IS NULL OR t.expires_at > g.now))
        AND EXISTS (SELECT 1 FROM workflows f WHERE f.workspace_id = p_workspace_id AND f.id = g.workflow_id AND f.default_version = g.version))) THEN
    RETURN false;
  END IF;
  INSERT INTO runs (id, workspace_id, workflow_id, status, inputs, metadata, depth, created_at, updated_at, event_seq, run_trigger,
      trace_id, trace_parent_span_id, trace_span_id, trace_sampled, priority, not_before, queue_at, expires_at)
    SELECT r.id, p_workspace_id, r.workflow_id, 'QUEUED', r.inputs::json, r.metadata::json, 0, r.now, r.now, 1, r.run_trigger::json,
      r.trace_id, r.trace_parent_span_id, r.trace_span_id, r.trace_sampled, r.priority, r.not_before, r.queue_at, r.expires_at
    FROM unnest(p_ids, p_workflow_ids, p_inputs, p_metadata, p_triggers, p_nows, p_trace_ids, p_trace_parent_span_ids, p_trace_span_ids,
        p_trace_sampled, p_priorities, p_not_befores, p_queue_ats, p_expires_ats)
      AS r(id, workflow_id, inputs, metadata, run_trigger, now, trace_id, trace_parent_span_id, trace_span_id, trace_sampled,
        priority, not_before, queue_at, expires_at);
  INSERT INTO run_events (run_id, seq, type, step_id, data, created_at)
    SELECT e.run_id, 1, 'run.status', NULL, e.data::json, e.created_at FROM unnest(p_ids, p_event_data, p_nows) AS e(run_id, data, created_at);
  RETURN true;
END $$;
