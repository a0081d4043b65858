import type pg from 'pg';
import { type Row, toRun } from '../rows.js';
import type { ClaimRunsInput } from '../lease-store.js';
import type { Run } from '../types.js';
import { claimableAt, planClaim } from '../claim-plan.js';
import { RunStatus } from '../../core/states.js';
import { runStatusEvent } from '../run-events.js';
import { claimCandidatesPg, resetKeyHeadsPg } from './postgres-flow.js';

/**
 * The claim in ONE autocommit statement (issue 10): expired-lease takeover, the fair choice of
 * QUEUED runs (SPEC §12) and the QUEUED → STARTING UPDATE with its events, where the claim
 * transaction of postgres-leases.ts took seven round trips (BEGIN, expired leases, the plain
 * workspaces, their candidates, the keys, the UPDATE, COMMIT) for about three runs.
 *
 * The choice is `planClaim`'s (claim-plan.ts), written in SQL: per workspace, its first `room`
 * unlimited runs and, from its first `room` free keys (each locked FOR UPDATE SKIP LOCKED, as
 * in postgres-flow.ts), up to each key's free slots; within a workspace queue order
 * (`queue_at`, `id`), across workspaces round-robin starting after the workspace served last
 * (`$6`): ranked by (place within its workspace, after the cursor first, workspace id). Every
 * candidate is locked SKIP LOCKED; the locks of those not taken end with the statement. Keyed
 * runs too, although only the holder of a key's lock reads its runs: read without a lock, a run
 * claimed (and committed) by another claimer after this statement's snapshot still looks QUEUED,
 * and the UPDATE waits for its row — held by the finish of that run, which waits for the key
 * row this statement holds: a deadlock (the flow bench hit it). Locked SKIP LOCKED, such a run
 * is skipped, and a committed claim's run is re-checked on its latest version and left out.
 * A key's `active` is read from its locked latest version and only changes under that lock
 * (the claim trigger of migration 020) or downwards (a finish), so per-key limits are exact
 * across processes as before; the trigger moves a claimed key's head in a fresh snapshot.
 *
 * What it does not do: reset the head of a key it locked without a claimable run (all its
 * queued runs delayed, or a stale head), which needs a later statement under the same lock,
 * and page further keys past those. It reports how many such keys it met (`empty_keys`); the
 * caller then claims the rest of its room with the transaction path, which does both.
 *
 * Parameters: $1 worker, $2 lease until, $3 now, $4 runs excluded from the takeover
 * (this process executes them), $5 execution ids (one per slot), $6 the fair cursor (a
 * workspace id or NULL), $7 the STARTING event's data. The limit is written into the text, one
 * prepared statement per limit (`claimInOneSql`): with it a parameter, the generic plan assumed
 * a tenth of the table per LIMIT and PostgreSQL planned every execution afresh (planning took
 * as long as executing); with it a constant, the cached plan fits. The claimed rows are found
 * by `id = ANY(ids)` on the primary key, whatever the row estimates.
 */
const claimInOneText = (limit: number) => `WITH RECURSIVE
  due AS MATERIALIZED (
    SELECT id FROM runs WHERE status IN ('STARTING', 'RUNNING') AND lease_expires_at <= $3 AND NOT (id = ANY($4::text[]))
    ORDER BY lease_expires_at LIMIT ${limit} FOR UPDATE SKIP LOCKED),
  taken AS (
    UPDATE runs r SET lease_owner = $1, claim_token = gen_random_uuid()::text, lease_expires_at = $2,
      claim_count = r.claim_count + 1, wake_requested = 0
    FROM due WHERE r.id = due.id AND r.status IN ('STARTING', 'RUNNING') AND r.lease_expires_at <= $3
    RETURNING r.*),
  ws(id) AS (
    SELECT (SELECT min(workspace_id) FROM runs WHERE status = 'QUEUED' AND concurrency_limit IS NULL)
    UNION ALL
    SELECT (SELECT min(workspace_id) FROM runs WHERE status = 'QUEUED' AND concurrency_limit IS NULL AND workspace_id > ws.id) FROM ws WHERE ws.id IS NOT NULL),
  plain AS MATERIALIZED (
    SELECT c.* FROM ws CROSS JOIN LATERAL (
      SELECT id, workspace_id, queue_at FROM runs
      WHERE workspace_id = ws.id AND status = 'QUEUED' AND concurrency_limit IS NULL AND ${claimableAt('$3::bigint')}
      ORDER BY queue_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED) c
    WHERE ws.id IS NOT NULL),
  kws(id) AS (
    SELECT (SELECT min(workspace_id) FROM concurrency_keys WHERE head_at IS NOT NULL AND active < run_limit)
    UNION ALL
    SELECT (SELECT min(workspace_id) FROM concurrency_keys WHERE head_at IS NOT NULL AND active < run_limit AND workspace_id > kws.id)
    FROM kws WHERE kws.id IS NOT NULL),
  k AS MATERIALIZED (
    SELECT c.* FROM kws CROSS JOIN LATERAL (
      SELECT workspace_id, workflow_id, key, active, run_limit FROM concurrency_keys
      WHERE workspace_id = kws.id AND head_at IS NOT NULL AND active < run_limit
      ORDER BY head_at LIMIT ${limit} FOR UPDATE SKIP LOCKED) c
    WHERE kws.id IS NOT NULL),
  keyed AS MATERIALIZED (
    SELECT k.workspace_id, r.id, r.queue_at FROM k LEFT JOIN LATERAL (
      SELECT id, queue_at FROM runs
      WHERE workspace_id = k.workspace_id AND workflow_id = k.workflow_id AND concurrency_key = k.key AND status = 'QUEUED'
        AND concurrency_limit IS NOT NULL AND ${claimableAt('$3::bigint')}
      ORDER BY queue_at, id LIMIT least(${limit}, k.run_limit - k.active) FOR UPDATE SKIP LOCKED) r ON true),
  ranked AS (
    SELECT id, workspace_id, row_number() OVER (PARTITION BY workspace_id ORDER BY queue_at, id) AS place
    FROM (SELECT id, workspace_id, queue_at FROM plain UNION ALL SELECT id, workspace_id, queue_at FROM keyed WHERE id IS NOT NULL) cand),
  picked AS MATERIALIZED (
    SELECT coalesce(array_agg(id ORDER BY n), '{}') AS ids FROM (
      SELECT id, row_number() OVER (ORDER BY place, coalesce(workspace_id <= $6::integer, false), workspace_id) AS n
      FROM ranked
      ORDER BY place, coalesce(workspace_id <= $6::integer, false), workspace_id
      LIMIT greatest(0, ${limit} - (SELECT count(*) FROM taken))) p),
  claimed AS (
    UPDATE runs r SET status = 'STARTING', execution_id = ($5::text[])[array_position(picked.ids, r.id)], started_at = $3, updated_at = $3,
      lease_owner = $1, claim_token = gen_random_uuid()::text, lease_expires_at = $2, claim_count = r.claim_count + 1,
      event_seq = r.event_seq + 1,
      workflow_version = coalesce(r.workflow_version, (SELECT NULLIF(w.default_version, 0) FROM workflows w
                          WHERE w.workspace_id = r.workspace_id AND w.id = r.workflow_id))
    FROM picked WHERE r.id = ANY(picked.ids) AND r.status = 'QUEUED'
    RETURNING r.*, array_position(picked.ids, r.id) AS claim_n),
  started_events AS (
    INSERT INTO run_events (run_id, seq, type, step_id, data, created_at)
    SELECT claimed.id, claimed.event_seq, 'run.status', NULL, $7::json, $3 FROM claimed)
  SELECT e.empty_keys, x.* FROM (SELECT count(*) AS empty_keys FROM keyed WHERE id IS NULL) e
  LEFT JOIN (SELECT taken.*, NULL::bigint AS claim_n FROM taken UNION ALL SELECT * FROM claimed) x ON true
  ORDER BY x.claim_n NULLS FIRST`;

/** Limits above this are rare (a pool's free slots); they are sent unprepared. */
const PREPARED_LIMITS = 64;
const texts = new Map<number, string>();

/** The one-statement claim for `limit` runs, with its prepared statement's name (none for unusual limits). */
export function claimInOneSql(limit: number): { text: string; prepared?: string } {
  const whole = Math.max(1, Math.floor(limit));
  let text = texts.get(whole);
  if (text === undefined) {
    text = claimInOneText(whole);
    if (whole <= PREPARED_LIMITS) texts.set(whole, text);
  }
  return whole <= PREPARED_LIMITS ? { text, prepared: `slipway_claim_${whole}` } : { text };
}

/** The parameters of the one-statement claim (the limit is in the text). */
export function claimInOneParams(input: {
  workerId: string; leaseUntil: number; now: number; excludeRunIds: readonly string[];
  executionIds: readonly string[]; cursor: number | null;
}): unknown[] {
  return [input.workerId, input.leaseUntil, input.now, input.excludeRunIds, input.executionIds, input.cursor,
    JSON.stringify(runStatusEvent(RunStatus.STARTING, input.now).data)];
}

/** the one-statement claim's answer: the runs it claimed (taken over first, then fresh in claim order) and the keys it met empty. */
export function claimInOneResult(rows: readonly Row[]): { rows: Row[]; emptyKeys: number } {
  const emptyKeys = rows.length === 0 ? 0 : Number(rows[0]!.empty_keys);
  return { rows: rows.filter((row) => row.id !== null && row.id !== undefined), emptyKeys };
}

const ACTIVE = `('STARTING', 'RUNNING')`;

/**
 * The claim as a transaction of several statements (the path before the one-statement claim, kept for
 * what it cannot do): expired leases, the candidates with further pages of keys
 * (postgres-flow.ts), `planClaim`, the UPDATE, and the heads of keys found without claimable
 * runs reset under their locks. Returns the runs and the new fair cursor.
 */
export async function claimInTransactionPg(
  client: pg.PoolClient, input: ClaimRunsInput, leaseUntil: number, cursor: number | null,
): Promise<{ runs: Run[]; cursor: number | null }> {
  // Runs whose lease expired: a crashed worker's, a released one's, or a wait now due.
  // The CTEs are MATERIALIZED so the locked selection is computed exactly once.
  const expired = (
    await client.query(
      `WITH due AS MATERIALIZED (
         SELECT id FROM runs WHERE status IN ${ACTIVE} AND lease_expires_at <= $3 AND NOT (id = ANY($5::text[]))
         ORDER BY lease_expires_at LIMIT $4 FOR UPDATE SKIP LOCKED)
       UPDATE runs r SET lease_owner = $1, claim_token = gen_random_uuid()::text, lease_expires_at = $2,
         claim_count = r.claim_count + 1, wake_requested = 0
       FROM due WHERE r.id = due.id AND r.status IN ${ACTIVE} AND r.lease_expires_at <= $3
       RETURNING r.*`,
      [input.workerId, leaseUntil, input.now, input.limit, input.excludeRunIds ?? []],
    )
  ).rows.map((row) => toRun(row as Row));
  const room = input.limit - expired.length;
  if (room <= 0) return { runs: expired, cursor };
  // Fair across workspaces, in queue order within one, keyed runs only into free slots (SPEC §12).
  const candidates = await claimCandidatesPg(client, input.now, room);
  const plan = planClaim(candidates.plain, candidates.lanes, room, cursor);
  const planned = plan.runs.map((candidate) => candidate.id);
  const executionIds = Array.from({ length: planned.length }, () => input.newExecutionId());
  // QUEUED → STARTING with the workflow's default version pinned in the same UPDATE, and
  // its run.status event (the seq taken in that UPDATE) in the same statement.
  // MATERIALIZED: inlined, the LIMIT subquery may be rescanned per joined row and
  // lock and hand out more runs than asked for (the contract suite caught exactly that).
  const freshRows = planned.length === 0 ? [] : (
    await client.query(
      `WITH picked AS MATERIALIZED (SELECT p.id, p.n FROM unnest($4::text[]) WITH ORDINALITY AS p(id, n)),
       claimed AS (UPDATE runs r SET status = 'STARTING', execution_id = ($5::text[])[picked.n], started_at = $3, updated_at = $3,
         lease_owner = $1, claim_token = gen_random_uuid()::text, lease_expires_at = $2, claim_count = r.claim_count + 1,
         event_seq = r.event_seq + 1,
         workflow_version = coalesce(r.workflow_version, (SELECT NULLIF(w.default_version, 0) FROM workflows w
                             WHERE w.workspace_id = r.workspace_id AND w.id = r.workflow_id))
       FROM picked WHERE r.id = picked.id AND r.status = 'QUEUED'
       RETURNING r.*),
       started_events AS (INSERT INTO run_events (run_id, seq, type, step_id, data, created_at)
         SELECT claimed.id, claimed.event_seq, 'run.status', NULL, $6::json, $3 FROM claimed)
       SELECT * FROM claimed`,
      [input.workerId, leaseUntil, input.now, planned, executionIds, JSON.stringify(runStatusEvent(RunStatus.STARTING, input.now).data)],
    )
  ).rows as Row[];
  await resetKeyHeadsPg(client, candidates.locked);
  const order = new Map(planned.map((id, index) => [id, index]));
  const fresh = freshRows.map(toRun).sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  return { runs: [...expired, ...fresh], cursor: plan.lastWorkspaceId };
}
