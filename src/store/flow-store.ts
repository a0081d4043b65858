/** Flow control's own due work (SPEC §12): queued runs whose ttl passed. */
export interface FlowStore {
  /**
   * Ends up to `limit` QUEUED runs whose `expires_at` is at or before `now`: CANCELED with
   * `cancel_reason: "expired"`, each with its `run.status` event and `run.canceled` webhook
   * deliveries in the same transaction (as a cancel). A run a worker claimed first is left
   * alone. Returns how many it ended; any process with workers calls it about every 250 ms.
   */
  expireQueuedRuns(now: number, limit: number): Promise<number>;
}
