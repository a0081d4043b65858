import type { Row } from './rows.js';
import type { WorkerActiveRun, WorkerRecord } from './worker-store.js';

/** A `workers` row as both dialects return it (json as text), to its record. */
export function toWorkerRecord(row: Row): WorkerRecord {
  const active = JSON.parse(row.active_runs as string) as { run_id: string; workspace_id: number }[];
  return {
    workerId: row.worker_id as string,
    host: row.host as string,
    pid: Number(row.pid),
    startedAt: Number(row.started_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
    concurrency: Number(row.concurrency),
    activeRuns: active.map((entry) => ({ runId: entry.run_id, workspaceId: Number(entry.workspace_id) })),
  };
}

/** The `active_runs` column's JSON text. */
export function activeRunsJson(activeRuns: readonly WorkerActiveRun[]): string {
  return JSON.stringify(activeRuns.map((entry) => ({ run_id: entry.runId, workspace_id: entry.workspaceId })));
}
