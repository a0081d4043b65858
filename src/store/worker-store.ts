/** One process with workers as its last heartbeat recorded it (SPEC §12 workers registry). */
export interface WorkerRecord {
  workerId: string;
  host: string;
  pid: number;
  startedAt: number;
  lastSeenAt: number;
  /** `last_seen_at` plus the worker's own lease timeout: it is live until then. */
  expiresAt: number;
  /** Run slots. */
  concurrency: number;
  /** The runs it was executing at its last heartbeat, every workspace's. */
  activeRuns: WorkerActiveRun[];
}

export interface WorkerActiveRun {
  runId: string;
  workspaceId: number;
}

/**
 * The workers registry: processes with workers heartbeat themselves here, readers see the live
 * ones. A row is live while `expiresAt > now`; a clean shutdown removes it, a killed process's
 * row expires and is deleted a while later by any heartbeat (`deleteExpiredBefore`).
 */
export interface WorkerStore {
  /** Inserts or refreshes the worker's row, and deletes rows that expired before `deleteExpiredBefore`. */
  recordWorkerHeartbeat(worker: WorkerRecord, deleteExpiredBefore: number): Promise<void>;
  /** A clean shutdown: the worker is gone at once. */
  removeWorker(workerId: string): Promise<void>;
  /** Live workers (`expiresAt > now`), oldest first. */
  listLiveWorkers(now: number): Promise<WorkerRecord[]>;
  /** The latest `last_seen_at` of any worker still on record (live or not), null when there is none. */
  lastWorkerSeenAt(): Promise<number | null>;
}
