/**
 * Flow control of one run (SPEC §12) as the store keeps it: pure rules both dialects share.
 * The service works out the values (body options, the definition's `concurrency` and `ttl`);
 * the store writes the columns they imply.
 */

/** What a new run asks of flow control; absent on a `NewRun` means none of it. */
export interface RunFlow {
  /** Seconds of queue credit within the workspace, 0–86,400. */
  priority: number;
  /** Not claimable before this instant (from `delay` or `not_before`); null = at once. */
  notBefore: number | null;
  /** Canceled as `expired` when still QUEUED this long after it became claimable; null = never. */
  ttlMs: number | null;
  /** The definition's `concurrency`, evaluated: `key` '' when the workflow has one limit for all its runs. */
  concurrency: { key: string; limit: number } | null;
}

/** The flow-control columns of a new run's row. */
export interface FlowColumns {
  priority: number;
  notBefore: number | null;
  queueAt: number;
  expiresAt: number | null;
  concurrencyKey: string | null;
  concurrencyLimit: number | null;
}

/**
 * The columns a run created at `now` gets: its queue place is when it becomes claimable
 * minus its priority, and a ttl counts from that same moment.
 *
 * @example
 * flowColumnsOf({ priority: 60, notBefore: null, ttlMs: 1000, concurrency: null }, 100_000)
 * // { priority: 60, notBefore: null, queueAt: 40_000, expiresAt: 101_000, concurrencyKey: null, concurrencyLimit: null }
 */
export function flowColumnsOf(flow: RunFlow | undefined, now: number): FlowColumns {
  const claimableAt = flow?.notBefore ?? now;
  const priority = flow?.priority ?? 0;
  return {
    priority,
    notBefore: flow?.notBefore ?? null,
    queueAt: claimableAt - priority * 1000,
    expiresAt: flow?.ttlMs == null ? null : claimableAt + flow.ttlMs,
    concurrencyKey: flow?.concurrency?.key ?? null,
    concurrencyLimit: flow?.concurrency?.limit ?? null,
  };
}

/** The most seconds of `priority`, and how far ahead `not_before` may be (SPEC §12). */
export const MAX_PRIORITY_S = 86_400;
export const MAX_NOT_BEFORE_AHEAD_MS = 30 * 86_400_000;
