import type { Row } from './rows.js';

/**
 * Which QUEUED runs a claim takes (SPEC §12), pure: both dialects gather the candidates with
 * their own SQL and hand them here. Within a workspace runs go in queue order (`queue_at`:
 * claimable time minus priority); a keyed run only while its key has free slots; across
 * workspaces round-robin, starting after the workspace served last, so one workspace's
 * backlog never holds another's runs back.
 */

/** A claimable QUEUED run as the candidate queries return it. */
export interface ClaimCandidate {
  id: string;
  workspaceId: number;
  queueAt: number;
  /** `workspace/workflow/key` of a keyed run; null when not limited. */
  laneKey: string | null;
}

/** A concurrency key with claimable runs: how many of its runs are active, and its limit. */
export interface KeyLane {
  laneKey: string;
  active: number;
  limit: number;
  runs: ClaimCandidate[];
}

/**
 * SQL the candidate queries share: a QUEUED run that may be claimed at `now` (placeholder
 * given; `table` an alias with its dot, e.g. `q.`). Not `queue_at <= now`: a run created by a
 * process whose clock is a little ahead is claimable at once all the same.
 */
export const claimableAt = (now: string, table = '') =>
  `(${table}not_before IS NULL OR ${table}not_before <= ${now}) AND (${table}expires_at IS NULL OR ${table}expires_at > ${now})`;

export const candidateOf = (row: Row): ClaimCandidate => ({
  id: row.id as string,
  workspaceId: Number(row.workspace_id),
  queueAt: Number(row.queue_at),
  laneKey: row.concurrency_limit === null || row.concurrency_limit === undefined ? null : laneKeyOf(row),
});

export const laneKeyOf = (row: Row): string => JSON.stringify([Number(row.workspace_id), row.workflow_id, row.concurrency_key ?? row.key]);

/**
 * Up to `room` runs to claim, in claim order, and the workspace served last (the next
 * claim's cursor).
 *
 * @example
 * planClaim(plain, lanes, 4, null) // { runs: [...], lastWorkspaceId: 2 }
 */
export function planClaim(plain: readonly ClaimCandidate[], lanes: readonly KeyLane[], room: number, cursor: number | null): {
  runs: ClaimCandidate[];
  lastWorkspaceId: number | null;
} {
  const byWorkspace = new Map<number, ClaimCandidate[]>();
  const add = (candidate: ClaimCandidate) => {
    const list = byWorkspace.get(candidate.workspaceId) ?? [];
    list.push(candidate);
    byWorkspace.set(candidate.workspaceId, list);
  };
  for (const candidate of plain) add(candidate);
  for (const lane of lanes) for (const candidate of lane.runs.slice(0, Math.max(0, lane.limit - lane.active))) add(candidate);
  for (const list of byWorkspace.values()) list.sort((a, b) => a.queueAt - b.queueAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ids = [...byWorkspace.keys()].sort((a, b) => a - b);
  const after = cursor === null ? 0 : ids.findIndex((id) => id > cursor);
  const rotation = after <= 0 ? ids : [...ids.slice(after), ...ids.slice(0, after)];
  const runs: ClaimCandidate[] = [];
  let lastWorkspaceId: number | null = cursor;
  for (let round = 0; runs.length < room; round++) {
    let took = false;
    for (const workspaceId of rotation) {
      const next = byWorkspace.get(workspaceId)![round];
      if (!next || runs.length >= room) continue;
      runs.push(next);
      lastWorkspaceId = workspaceId;
      took = true;
    }
    if (!took) break;
  }
  return { runs, lastWorkspaceId };
}
