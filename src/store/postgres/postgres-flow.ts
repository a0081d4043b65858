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
 * Keyed runs were queued: their keys are listed for the claim, each with a head no later than
 * its runs' queue places (SPEC §12). Inside the create's transaction; the upsert takes the
 * key's row lock, so a claimer recomputing the head (under the same lock) cannot miss the run.
 */
export async function noteQueuedKeysPg(
  client: pg.PoolClient,
  runs: readonly { workspaceId: number; workflowId: string; flow: FlowColumns }[],
): Promise<void> {
  const keyed = runs.filter((run) => run.flow.concurrencyLimit !== null && run.flow.concurrencyKey !== null);
  if (keyed.length === 0) return;
  await client.query(
    `INSERT INTO concurrency_keys (workspace_id, workflow_id, key, head_at)
     SELECT k.workspace_id, k.workflow_id, k.key, min(k.head_at)
     FROM unnest($1::integer[], $2::text[], $3::text[], $4::bigint[]) AS k(workspace_id, workflow_id, key, head_at)
     GROUP BY k.workspace_id, k.workflow_id, k.key
     ORDER BY k.workspace_id, k.workflow_id, k.key
     ON CONFLICT (workspace_id, workflow_id, key) DO UPDATE
       SET head_at = least(coalesce(concurrency_keys.head_at, excluded.head_at), excluded.head_at)`,
    [keyed.map((run) => run.workspaceId), keyed.map((run) => run.workflowId), keyed.map((run) => run.flow.concurrencyKey), keyed.map((run) => run.flow.queueAt)],
  );
}

const PLAIN_WORKSPACES = `WITH RECURSIVE ws(id) AS (
    SELECT (SELECT min(workspace_id) FROM runs WHERE status = 'QUEUED' AND concurrency_limit IS NULL)
    UNION ALL
    SELECT (SELECT min(workspace_id) FROM runs WHERE status = 'QUEUED' AND concurrency_limit IS NULL AND workspace_id > ws.id) FROM ws WHERE ws.id IS NOT NULL)
  SELECT id FROM ws WHERE id IS NOT NULL`;

/**
 * The QUEUED runs a claim at `now` may take (SPEC §12), PostgreSQL dialect, locked: the first
 * `room` unlimited runs of each workspace with queued runs (SKIP LOCKED, as before), and the
 * concurrency keys with queued runs, each locked FOR UPDATE SKIP LOCKED *before* its active runs
 * are counted in a later statement (a fresh snapshot): a claimer that holds a key's row sees
 * every claim of that key committed before it, and a second claimer skips the key, so the
 * limit is never overshot across processes. A held key costs a count of its active runs, never
 * a scan of its queued ones. Returns the locked keys, whose heads are reset after the claim.
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
  const locked = await rows(
    'SELECT workspace_id, workflow_id, key FROM concurrency_keys WHERE head_at IS NOT NULL ORDER BY head_at FOR UPDATE SKIP LOCKED',
    [],
  );
  if (locked.length === 0) return { plain, lanes: [], locked };
  const keyParams = [locked.map((k) => Number(k.workspace_id)), locked.map((k) => k.workflow_id), locked.map((k) => k.key)];
  const active = await rows(
    `SELECT k.workspace_id, k.workflow_id, k.key, (SELECT count(*) FROM runs a WHERE a.workspace_id = k.workspace_id AND a.workflow_id = k.workflow_id
       AND a.concurrency_key = k.key AND a.status IN ('STARTING', 'RUNNING') AND a.concurrency_limit IS NOT NULL) AS active
     FROM unnest($1::integer[], $2::text[], $3::text[]) AS k(workspace_id, workflow_id, key)`,
    keyParams,
  );
  const keyed = await rows(
    `SELECT c.* FROM unnest($1::integer[], $2::text[], $3::text[]) AS k(workspace_id, workflow_id, key) CROSS JOIN LATERAL (
       SELECT id, workspace_id, workflow_id, concurrency_key, queue_at, concurrency_limit FROM runs
       WHERE workspace_id = k.workspace_id AND workflow_id = k.workflow_id AND concurrency_key = k.key AND status = 'QUEUED'
         AND concurrency_limit IS NOT NULL AND ${claimableAt('$4::bigint')}
       ORDER BY queue_at, id LIMIT $5 FOR UPDATE SKIP LOCKED) c`,
    [...keyParams, now, room],
  );
  const lanes = new Map<string, KeyLane>();
  for (const key of active) lanes.set(laneKeyOf(key), { laneKey: laneKeyOf(key), active: Number(key.active), limit: 0, runs: [] });
  for (const row of keyed) {
    const lane = lanes.get(laneKeyOf(row))!;
    lane.limit = Number(row.concurrency_limit);
    lane.runs.push(candidateOf(row));
  }
  return { plain, lanes: [...lanes.values()].filter((lane) => lane.runs.length > 0), locked };
}

/** After a claim, under the keys' locks: each key's head is its first QUEUED run's place again (NULL when none). */
export async function resetKeyHeadsPg(client: pg.PoolClient, keys: readonly Row[]): Promise<void> {
  if (keys.length === 0) return;
  await client.query(
    `UPDATE concurrency_keys c SET head_at = (SELECT min(r.queue_at) FROM runs r WHERE r.workspace_id = c.workspace_id AND r.workflow_id = c.workflow_id
       AND r.concurrency_key = c.key AND r.status = 'QUEUED' AND r.concurrency_limit IS NOT NULL)
     FROM unnest($1::integer[], $2::text[], $3::text[]) AS k(workspace_id, workflow_id, key)
     WHERE c.workspace_id = k.workspace_id AND c.workflow_id = k.workflow_id AND c.key = k.key`,
    [keys.map((k) => Number(k.workspace_id)), keys.map((k) => k.workflow_id), keys.map((k) => k.key)],
  );
}

/** `FlowStore` (SPEC §12), PostgreSQL dialect: SKIP LOCKED, so a claim or a cancel in flight wins. */
export function createPostgresFlow(deps: PostgresDeps): FlowStore {
  return {
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
