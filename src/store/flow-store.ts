/** Flow control's own due work (SPEC §12): queued runs whose ttl passed. */
export interface FlowStore {
  /**
   * Ends up to `limit` QUEUED runs whose `expires_at` is at or before `now`: CANCELED with
   * `cancel_reason: "expired"`, each with its `run.status` event and `run.canceled` webhook
   * deliveries in the same transaction (as a cancel). A run a worker claimed first is left
   * alone. Returns how many it ended; any process with workers calls it about every 250 ms.
   */
  expireQueuedRuns(now: number, limit: number): Promise<number>;

  /**
   * The concurrency keys of a workspace that have a row (migration 020): a key has one while it
   * has QUEUED or active runs; `active` is its STARTING/RUNNING count as the triggers keep it,
   * `queued` whether its head says it has QUEUED runs. Idle keys have no row. For operators and tests.
   */
  listConcurrencyKeys(workspaceId: number): Promise<{ workflowId: string; key: string; active: number; queued: boolean; limit: number }[]>;
}
