import type pg from 'pg';
import type { FlowColumns } from '../flow-rows.js';
import type { Row } from '../rows.js';
import type { FlowStore } from '../flow-store.js';
import type { PostgresDeps } from './postgres-deps.js';
import { RunStatus } from '../../core/states.js';
import { runStatusEvent } from '../run-events.js';
import { toEndedRun } from '../run-endings.js';
import { appendRunEventsPg } from './postgres-events.js';
import { runDeliveriesCte } from './postgres-webhooks.js';
import { candidateOf, claimableAt, laneKeyOf, type ClaimCandidate, type KeyLane } from '../claim-plan.js';

/**
 * The upsert of a queued keyed run's key (SPEC §12): listed for the claim with a head no later
 * than the run's queue place, and the run's limit. The row is rewritten only when the head
 * moves earlier, the limit changed or the key is new; otherwise it is only locked (ON CONFLICT
 * DO UPDATE locks the row it finds), which is what keeps a claimer's head reset, done under the
 * same lock, from missing a run being created. Used by the one-statement create (`FROM ins`).
 */
export const KEY_UPSERT_SET = `ON CONFLICT (workspace_id, workflow_id, key) DO UPDATE
       SET head_at = least(coalesce(concurrency_keys.head_at, excluded.head_at), excluded.head_at), run_limit = excluded.run_limit
       WHERE concurrency_keys.head_at IS NULL OR concurrency_keys.head_at > excluded.head_at OR concurrency_keys.run_limit <> excluded.run_limit`;

/**
 * Keyed runs were queued: their keys are listed for the claim (see KEY_UPSERT_SET). Inside
 * the create's transaction; the upsert takes the key's row lock, so a claimer recomputing the
 * head (under the same lock) cannot miss the run.
 */
export async function noteQueuedKeysPg(
  client: pg.PoolClient,
  runs: readonly { workspaceId: number; workflowId: string; flow: FlowColumns }[],
): Promise<void> {
  const keyed = runs.filter((run) => run.flow.concurrencyLimit !== null && run.flow.concurrencyKey !== null);
  if (keyed.length === 0) return;
  await client.query(
    `INSERT INTO concurrency_keys (workspace_id, workflow_id, key, head_at, run_limit)
     SELECT k.workspace_id, k.workflow_id, k.key, min(k.head_at), (array_agg(k.run_limit ORDER BY k.n DESC))[1]
     FROM unnest($1::integer[], $2::text[], $3::text[], $4::bigint[], $5::integer[]) WITH ORDINALITY AS k(workspace_id, workflow_id, key, head_at, run_limit, n)
     GROUP BY k.workspace_id, k.workflow_id, k.key
     ORDER BY k.workspace_id, k.workflow_id, k.key
     ${KEY_UPSERT_SET}`,
    [keyed.map((run) => run.workspaceId), keyed.map((run) => run.workflowId), keyed.map((run) => run.flow.concurrencyKey),
      keyed.map((run) => run.flow.queueAt), keyed.map((run) => run.flow.concurrencyLimit)],
  );
}

const PLAIN_WORKSPACES = `WITH RECURSIVE ws(id) AS (
    SELECT (SELECT min(workspace_id) FROM runs WHERE status = 'QUEUED' AND concurrency_limit IS NULL)
    UNION ALL
    SELECT (SELECT min(workspace_id) FROM runs WHERE status = 'QUEUED' AND concurrency_limit IS NULL AND workspace_id > ws.id) FROM ws WHERE ws.id IS NOT NULL)
  SELECT id FROM ws WHERE id IS NOT NULL`;

/** A key with queued runs and a free slot (index `concurrency_keys_free`). */
const FREE_KEY = 'head_at IS NOT NULL AND active < run_limit';

/**
 * Per workspace (each one with such keys, found by a skip scan, or those of $1 when not NULL),
 * the first `room` keys with queued runs and a free slot in queue order (index
 * `concurrency_keys_free`) not in the `seen` arrays, locked FOR UPDATE SKIP LOCKED, each with its
 * first claimable runs up to its free slots (locked SKIP LOCKED too); a key with none comes back
 * once with NULL run columns.
 */
const KEY_LOCK = `WITH RECURSIVE ws(id) AS (
    SELECT (SELECT min(workspace_id) FROM concurrency_keys WHERE ${FREE_KEY})
    UNION ALL
    SELECT (SELECT min(workspace_id) FROM concurrency_keys WHERE ${FREE_KEY} AND workspace_id > ws.id) FROM ws WHERE ws.id IS NOT NULL),
  targets AS MATERIALIZED (SELECT id FROM ws WHERE id IS NOT NULL AND ($1::integer[] IS NULL OR id = ANY($1::integer[]))),
  k AS MATERIALIZED (
    SELECT c.* FROM targets AS w CROSS JOIN LATERAL (
      SELECT workspace_id, workflow_id, key, active, run_limit, head_at FROM concurrency_keys
      WHERE workspace_id = w.id AND ${FREE_KEY}
        AND (workspace_id, workflow_id, key) NOT IN (SELECT * FROM unnest($4::integer[], $5::text[], $6::text[]))
      ORDER BY head_at LIMIT $2 FOR UPDATE SKIP LOCKED) c)
  SELECT k.workspace_id, k.workflow_id, k.key, k.active, k.run_limit, r.id, r.queue_at, r.concurrency_limit
  FROM k LEFT JOIN LATERAL (
    SELECT id, queue_at, concurrency_limit FROM runs
    WHERE workspace_id = k.workspace_id AND workflow_id = k.workflow_id AND concurrency_key = k.key AND status = 'QUEUED'
      AND concurrency_limit IS NOT NULL AND ${claimableAt('$3::bigint')}
    ORDER BY queue_at, id LIMIT least($2::integer, k.run_limit - k.active) FOR UPDATE SKIP LOCKED) r ON true
  ORDER BY k.head_at, r.queue_at, r.id`;

/**
 * The QUEUED runs a claim at `now` may take (SPEC §12), PostgreSQL dialect, locked: the first
 * `room` unlimited runs of each workspace with queued runs (SKIP LOCKED, as before), and per
 * workspace the first `room` keys with queued runs and a free slot in queue order, each locked
 * FOR UPDATE SKIP LOCKED. The lock returns the row's latest version with the free-slot
 * condition checked again on it, and the `active` counter only changes under that lock (the
 * claim's own UPDATE) or downwards (a finish): so a claimer that holds a key's row sees every
 * claim of that key committed before it, a second claimer skips the key and locks the next
 * free ones, and the limit is never overshot across processes. A held key is never locked or
 * read. Returns the keys it locked but found without claimable runs, whose heads are reset
 * after the claim.
 */
export async function claimCandidatesPg(client: pg.PoolClient, now: number, room: number): Promise<{ plain: ClaimCandidate[]; lanes: KeyLane[]; locked: Row[] }> {
  const rows = async (sql: string, params: unknown[]): Promise<Row[]> => (await client.query(sql, params)).rows as Row[];
  const workspaces = (await rows(PLAIN_WORKSPACES, [])).map((row) => Number(row.id));
  const plain = workspaces.length === 0 ? [] : (await rows(
    `SELECT c.* FROM unnest($1::integer[]) AS w(id) CROSS JOIN LATERAL (
       SELECT id, workspace_id, queue_at, concurrency_limit FROM runs
       WHERE workspace_id = w.id AND status = 'QUEUED' AND concurrency_limit IS NULL AND ${claimableAt('$2::bigint')}
       ORDER BY queue_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) c`,
    [workspaces, now, room],
  )).map(candidateOf);
  let keyWorkspaces: number[] | null = null;
  const lanes: KeyLane[] = [];
  const empty: Row[] = [];
  const seen: Row[] = [];
  // A page of `room` keys per workspace at a time; another page only for a workspace where some
  // locked keys had no claimable run (all delayed) and fewer than `room` keys had one.
  while (keyWorkspaces === null || keyWorkspaces.length > 0) {
    const page = await rows(KEY_LOCK, [keyWorkspaces, room, now, seen.map((k) => Number(k.workspace_id)), seen.map((k) => k.workflow_id), seen.map((k) => k.key)]);
    const keys = new Map<string, KeyLane & { key: Row }>();
    for (const row of page) {
      const laneKey = laneKeyOf(row);
      if (!keys.has(laneKey)) keys.set(laneKey, { laneKey, active: Number(row.active), limit: Number(row.run_limit), runs: [], key: row });
      if (row.id !== null) keys.get(laneKey)!.runs.push(candidateOf({ ...row, concurrency_key: row.key }));
    }
    const perWorkspace = new Map<number, { locked: number; withRuns: number }>();
    for (const lane of keys.values()) {
      const workspaceId = Number(lane.key.workspace_id);
      const count = perWorkspace.get(workspaceId) ?? { locked: 0, withRuns: 0 };
      count.locked += 1;
      seen.push(lane.key);
      if (lane.runs.length === 0) {
        empty.push(lane.key);
      } else {
        count.withRuns += 1;
        lanes.push({ laneKey: lane.laneKey, active: lane.active, limit: lane.limit, runs: lane.runs });
      }
      perWorkspace.set(workspaceId, count);
    }
    keyWorkspaces = [...perWorkspace].filter(([, count]) => count.locked === room && count.withRuns < room).map(([workspaceId]) => workspaceId);
  }
  // A claimed run's key gets its new head from the trigger of migration 020; the keys locked
  // without claimable runs get theirs reset after the claim.
  return { plain, lanes, locked: empty };
}

/**
 * After a claim, under the keys' locks, for the keys it found without claimable runs: each
 * key's head is its first QUEUED run's place again
 * (NULL when none), and a key left with no queued and no active run is deleted (a create
 * inserts it again; one waiting on the lock retries its insert once the row is gone).
 */
export async function resetKeyHeadsPg(client: pg.PoolClient, keys: readonly Row[]): Promise<void> {
  if (keys.length === 0) return;
  const params = [keys.map((k) => Number(k.workspace_id)), keys.map((k) => k.workflow_id), keys.map((k) => k.key)];
  await client.query(
    `WITH heads AS MATERIALIZED (
       SELECT k.workspace_id, k.workflow_id, k.key, (SELECT min(r.queue_at) FROM runs r WHERE r.workspace_id = k.workspace_id AND r.workflow_id = k.workflow_id
         AND r.concurrency_key = k.key AND r.status = 'QUEUED' AND r.concurrency_limit IS NOT NULL) AS head_at
       FROM unnest($1::integer[], $2::text[], $3::text[]) AS k(workspace_id, workflow_id, key)),
     gone AS (DELETE FROM concurrency_keys c USING heads h
       WHERE c.workspace_id = h.workspace_id AND c.workflow_id = h.workflow_id AND c.key = h.key AND h.head_at IS NULL AND c.active <= 0
       RETURNING c.workspace_id, c.workflow_id, c.key)
     UPDATE concurrency_keys c SET head_at = h.head_at FROM heads h
     WHERE c.workspace_id = h.workspace_id AND c.workflow_id = h.workflow_id AND c.key = h.key
       AND NOT EXISTS (SELECT 1 FROM gone g WHERE g.workspace_id = h.workspace_id AND g.workflow_id = h.workflow_id AND g.key = h.key)`,
    params,
  );
}

/** `FlowStore` (SPEC §12), PostgreSQL dialect: SKIP LOCKED, so a claim or a cancel in flight wins. */
export function createPostgresFlow(deps: PostgresDeps): FlowStore {
  return {
    async listConcurrencyKeys(workspaceId) {
      const rows = await deps.query('SELECT workflow_id, key, active, head_at, run_limit FROM concurrency_keys WHERE workspace_id = $1 ORDER BY workflow_id, key', [workspaceId]);
      return rows.map((row) => ({ workflowId: row.workflow_id as string, key: row.key as string, active: Number(row.active), queued: row.head_at !== null, limit: Number(row.run_limit) }));
    },

    async expireQueuedRuns(now, limit) {
      const ended = await deps.transaction(async (client) => {
        const rows = (await client.query(
          `WITH due AS MATERIALIZED (
             SELECT id FROM runs WHERE status = 'QUEUED' AND expires_at IS NOT NULL AND expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED),
           done AS (UPDATE runs r SET status = 'CANCELED', cancel_reason = 'expired', updated_at = $1, completed_at = $1, event_seq = r.event_seq + 1
             FROM due WHERE r.id = due.id AND r.status = 'QUEUED' RETURNING r.*),
           ${runDeliveriesCte('$3', '$1')}
           SELECT * FROM done`,
          [now, limit, 'run.canceled'],
        )).rows as Row[];
        for (const row of rows) {
          await appendRunEventsPg(client, row.id as string, [runStatusEvent(RunStatus.CANCELED, now)], now, { bumpedTo: Number(row.event_seq) });
        }
        return rows;
      });
      for (const row of ended) deps.announceRunEvents(row.id as string);
      if (ended.length > 0) deps.announceRunsEnded(ended.map(toEndedRun));
      return ended.length;
    },
  };
}
