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
 * run's queue place and the run's limit (SPEC §12). Inside the create's transaction; the row
 * is written only when the head moves earlier, the limit changed, or the key is new.
 */
export function noteQueuedKeySqlite(deps: Pick<SqliteDeps, 'run'>, workspaceId: number, workflowId: string, flow: FlowColumns): void {
  if (flow.concurrencyLimit === null || flow.concurrencyKey === null) return;
  deps.run(
    `INSERT INTO concurrency_keys (workspace_id, workflow_id, key, head_at, run_limit) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (workspace_id, workflow_id, key) DO UPDATE SET head_at = min(coalesce(head_at, excluded.head_at), excluded.head_at), run_limit = excluded.run_limit
       WHERE head_at IS NULL OR head_at > excluded.head_at OR run_limit <> excluded.run_limit`,
    workspaceId, workflowId, flow.concurrencyKey, flow.queueAt, flow.concurrencyLimit,
  );
}

const PLAIN_WORKSPACES = `WITH RECURSIVE ws(id) AS (
    SELECT (SELECT min(workspace_id) FROM runs WHERE status = 'QUEUED' AND concurrency_limit IS NULL)
    UNION ALL
    SELECT (SELECT min(workspace_id) FROM runs WHERE status = 'QUEUED' AND concurrency_limit IS NULL AND workspace_id > ws.id) FROM ws WHERE ws.id IS NOT NULL)
  SELECT id FROM ws WHERE id IS NOT NULL`;

/** A key with queued runs and a free slot (index `concurrency_keys_free`). */
const FREE_KEY = 'head_at IS NOT NULL AND active < run_limit';

const KEY_WORKSPACES = `WITH RECURSIVE ws(id) AS (
    SELECT (SELECT min(workspace_id) FROM concurrency_keys WHERE ${FREE_KEY})
    UNION ALL
    SELECT (SELECT min(workspace_id) FROM concurrency_keys WHERE ${FREE_KEY} AND workspace_id > ws.id) FROM ws WHERE ws.id IS NOT NULL)
  SELECT id FROM ws WHERE id IS NOT NULL`;

/**
 * The QUEUED runs a claim at `now` may take (SPEC §12), SQLite dialect (one writer: no locks
 * needed): the first `room` unlimited runs of each workspace with queued runs (a skip scan of
 * the index, not of the queue), and per workspace the first keys with queued runs and a free
 * slot in queue order (the key rows' `active` counters and `run_limit`, migration 020), each
 * with its first claimable runs. A held key is not read at all. A claimed run's key gets its
 * new head from the trigger of migration 020; returns the keys found without claimable runs,
 * whose heads are set right after the claim.
 */
export function claimCandidatesSqlite(deps: Pick<SqliteDeps, 'all'>, now: number, room: number): { plain: ClaimCandidate[]; lanes: KeyLane[]; visited: Row[] } {
  const { all } = deps;
  const plain: ClaimCandidate[] = [];
  for (const { id: workspaceId } of all(PLAIN_WORKSPACES)) {
    // Only the two columns not known already (a row object of four cost a third more, measured).
    for (const row of all(
      `SELECT id, queue_at FROM runs
       WHERE workspace_id = ? AND status = 'QUEUED' AND concurrency_limit IS NULL AND ${claimableAt('?')}
       ORDER BY queue_at, id LIMIT ?`,
      workspaceId, now, now, room,
    )) plain.push({ id: row.id as string, workspaceId: Number(workspaceId), queueAt: Number(row.queue_at), laneKey: null });
  }
  const lanes: KeyLane[] = [];
  const visited: Row[] = [];
  for (const { id: workspaceId } of all(KEY_WORKSPACES)) {
    // Keys in queue order, a page of twice `room` at a time; `room` keys with claimable runs are
    // enough (their first runs come before the later keys' first runs). A key whose queued runs
    // are all delayed is passed over.
    let withRuns = 0;
    for (let offset = 0; withRuns < room; offset += room * 2) {
      const keys = all(
        `SELECT workspace_id, workflow_id, key, active, run_limit FROM concurrency_keys WHERE workspace_id = ? AND ${FREE_KEY}
         ORDER BY head_at LIMIT ? OFFSET ?`,
        workspaceId, room * 2, offset,
      );
      for (const key of keys) {
        if (withRuns >= room) break;
        const runs = all(
          `SELECT id, queue_at FROM runs
           WHERE workspace_id = ? AND workflow_id = ? AND concurrency_key = ? AND status = 'QUEUED' AND concurrency_limit IS NOT NULL AND ${claimableAt('?')}
           ORDER BY queue_at, id LIMIT ?`,
          key.workspace_id, key.workflow_id, key.key, now, now, Math.min(room, Number(key.run_limit) - Number(key.active)),
        ).map((run) => ({ ...run, workspace_id: key.workspace_id, workflow_id: key.workflow_id, concurrency_key: key.key, concurrency_limit: key.run_limit }));
        if (runs.length === 0) {
          visited.push(key);
          continue;
        }
        withRuns += 1;
        lanes.push({ laneKey: laneKeyOf(key), active: Number(key.active), limit: Number(key.run_limit), runs: runs.map(candidateOf) });
      }
      if (keys.length < room * 2) break;
    }
  }
  return { plain, lanes, visited };
}

/**
 * After a claim, for the keys it found without claimable runs: each one's head is its first
 * QUEUED run's place again (NULL when none), and a key left with no queued and no active run is
 * deleted (a create inserts it again).
 */
export function resetKeyHeadsSqlite(deps: Pick<SqliteDeps, 'run'>, keys: readonly Row[]): void {
  for (const key of keys) {
    deps.run(
      `UPDATE concurrency_keys SET head_at = (SELECT min(queue_at) FROM runs WHERE workspace_id = ? AND workflow_id = ? AND concurrency_key = ?
         AND status = 'QUEUED' AND concurrency_limit IS NOT NULL)
       WHERE workspace_id = ? AND workflow_id = ? AND key = ?`,
      key.workspace_id, key.workflow_id, key.key, key.workspace_id, key.workflow_id, key.key,
    );
    deps.run(
      'DELETE FROM concurrency_keys WHERE workspace_id = ? AND workflow_id = ? AND key = ? AND head_at IS NULL AND active <= 0',
      key.workspace_id, key.workflow_id, key.key,
    );
  }
}

/** `FlowStore` (SPEC §12), SQLite dialect. */
export function createSqliteFlow(deps: SqliteDeps): FlowStore {
  const { all, writes } = deps;
  return {
    async listConcurrencyKeys(workspaceId) {
      return all('SELECT workflow_id, key, active, head_at, run_limit FROM concurrency_keys WHERE workspace_id = ? ORDER BY workflow_id, key', workspaceId)
        .map((row) => ({ workflowId: row.workflow_id as string, key: row.key as string, active: Number(row.active), queued: row.head_at !== null, limit: Number(row.run_limit) }));
    },

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
