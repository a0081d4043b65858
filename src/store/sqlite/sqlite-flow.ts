import type { FlowColumns } from '../flow-rows.js';
import type { SqliteDeps } from './sqlite-deps.js';
import type { Row } from '../rows.js';
import type { FlowStore } from '../flow-store.js';
import { RunStatus } from '../../core/states.js';
import { runStatusEvent } from '../run-events.js';
import { toEndedRun } from '../run-endings.js';
import { runRef } from '../webhook-rows.js';
import { appendRunEventsSqlite } from './sqlite-events.js';
import { recordRunDeliveriesSync } from './sqlite-webhooks.js';
import { candidateOf, claimableAt, laneKeyOf, type ClaimCandidate, type KeyLane } from '../claim-plan.js';

/**
 * A keyed run was queued: its key is listed for the claim, with a head no later than the
 * run's queue place (SPEC §12). Inside the create's transaction.
 */
export function noteQueuedKeySqlite(deps: Pick<SqliteDeps, 'run'>, workspaceId: number, workflowId: string, flow: FlowColumns): void {
  if (flow.concurrencyLimit === null || flow.concurrencyKey === null) return;
  deps.run(
    `INSERT INTO concurrency_keys (workspace_id, workflow_id, key, head_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (workspace_id, workflow_id, key) DO UPDATE SET head_at = min(coalesce(head_at, excluded.head_at), excluded.head_at)`,
    workspaceId, workflowId, flow.concurrencyKey, flow.queueAt,
  );
}

const PLAIN_WORKSPACES = `WITH RECURSIVE ws(id) AS (
    SELECT (SELECT min(workspace_id) FROM runs WHERE status = 'QUEUED' AND concurrency_limit IS NULL)
    UNION ALL
    SELECT (SELECT min(workspace_id) FROM runs WHERE status = 'QUEUED' AND concurrency_limit IS NULL AND workspace_id > ws.id) FROM ws WHERE ws.id IS NOT NULL)
  SELECT id FROM ws WHERE id IS NOT NULL`;

const KEY_ACTIVE = `(SELECT count(*) FROM runs a WHERE a.workspace_id = k.workspace_id AND a.workflow_id = k.workflow_id AND a.concurrency_key = k.key
    AND a.status IN ('STARTING', 'RUNNING') AND a.concurrency_limit IS NOT NULL)`;

/**
 * The QUEUED runs a claim at `now` may take (SPEC §12), SQLite dialect (one writer: no locks
 * needed): the first `room` unlimited runs of each workspace with queued runs (a skip scan of
 * the index, not of the queue), and for each concurrency key with queued runs, its active
 * count and first `room` claimable runs (a held key costs two index probes, never a scan of
 * its runs). Returns the lanes visited, so their heads can be set right after the claim.
 */
export function claimCandidatesSqlite(deps: Pick<SqliteDeps, 'all'>, now: number, room: number): { plain: ClaimCandidate[]; lanes: KeyLane[]; visited: Row[] } {
  const { all } = deps;
  const plain: ClaimCandidate[] = [];
  for (const { id: workspaceId } of all(PLAIN_WORKSPACES)) {
    plain.push(...all(
      `SELECT id, workspace_id, queue_at, concurrency_limit FROM runs
       WHERE workspace_id = ? AND status = 'QUEUED' AND concurrency_limit IS NULL AND ${claimableAt('?')}
       ORDER BY queue_at, id LIMIT ?`,
      workspaceId, now, now, room,
    ).map(candidateOf));
  }
  const lanes: KeyLane[] = [];
  const visited: Row[] = [];
  // Keys in head order; a workspace that already has `room` keys with free slots needs no more
  // (their first runs come before the later keys' first runs), so their runs are not read.
  const freeLanes = new Map<number, number>();
  for (const key of all(`SELECT k.workspace_id, k.workflow_id, k.key, ${KEY_ACTIVE} AS active FROM concurrency_keys k WHERE k.head_at IS NOT NULL ORDER BY k.head_at`)) {
    const workspaceId = Number(key.workspace_id);
    if ((freeLanes.get(workspaceId) ?? 0) >= room) continue;
    visited.push(key);
    const runs = all(
      `SELECT id, workspace_id, workflow_id, concurrency_key, queue_at, concurrency_limit FROM runs
       WHERE workspace_id = ? AND workflow_id = ? AND concurrency_key = ? AND status = 'QUEUED' AND concurrency_limit IS NOT NULL AND ${claimableAt('?')}
       ORDER BY queue_at, id LIMIT ?`,
      key.workspace_id, key.workflow_id, key.key, now, now, room,
    );
    if (runs.length === 0) continue;
    const lane = { laneKey: laneKeyOf(key), active: Number(key.active), limit: Number(runs[0]!.concurrency_limit), runs: runs.map(candidateOf) };
    lanes.push(lane);
    if (lane.active < lane.limit) freeLanes.set(workspaceId, (freeLanes.get(workspaceId) ?? 0) + 1);
  }
  return { plain, lanes, visited };
}

/** After a claim: each visited key's head is its first QUEUED run's place again (NULL when none). */
export function resetKeyHeadsSqlite(deps: Pick<SqliteDeps, 'run'>, keys: readonly Row[]): void {
  for (const key of keys) {
    deps.run(
      `UPDATE concurrency_keys SET head_at = (SELECT min(queue_at) FROM runs WHERE workspace_id = ? AND workflow_id = ? AND concurrency_key = ?
         AND status = 'QUEUED' AND concurrency_limit IS NOT NULL)
       WHERE workspace_id = ? AND workflow_id = ? AND key = ?`,
      key.workspace_id, key.workflow_id, key.key, key.workspace_id, key.workflow_id, key.key,
    );
  }
}

/** `FlowStore` (SPEC §12), SQLite dialect. */
export function createSqliteFlow(deps: SqliteDeps): FlowStore {
  const { all, writes } = deps;
  return {
    async expireQueuedRuns(now, limit) {
      const ended = await writes.submit(() => {
        const rows = all(
          `UPDATE runs SET status = 'CANCELED', cancel_reason = 'expired', updated_at = ?, completed_at = ?
           WHERE id IN (SELECT id FROM runs WHERE status = 'QUEUED' AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?)
             AND status = 'QUEUED'
           RETURNING *`,
          now, now, now, limit,
        );
        for (const row of rows) {
          recordRunDeliveriesSync(deps, runRef(row), 'run.canceled', now);
          appendRunEventsSqlite(deps, row.id as string, [runStatusEvent(RunStatus.CANCELED, now)], now);
        }
        return rows;
      });
      for (const row of ended) deps.announceRunEvents(row.id as string);
      if (ended.length > 0) deps.announceRunsEnded(ended.map(toEndedRun));
      return ended.length;
    },
  };
}
