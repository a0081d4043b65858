import type { WorkerStore } from '../worker-store.js';
import { activeRunsJson, toWorkerRecord } from '../worker-rows.js';
import type { PostgresDeps } from './postgres-deps.js';

/** The workers registry, PostgreSQL dialect. */
export function createPostgresWorkers(deps: Pick<PostgresDeps, 'query' | 'one'>): WorkerStore {
  const { query, one } = deps;

  return {
    async recordWorkerHeartbeat(worker, deleteExpiredBefore) {
      // One statement: the upsert and the clean-up of long-expired rows.
      await query(
        `WITH beat AS (
           INSERT INTO workers (worker_id, host, pid, started_at, last_seen_at, expires_at, concurrency, active_runs)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::json)
           ON CONFLICT (worker_id) DO UPDATE SET last_seen_at = excluded.last_seen_at, expires_at = excluded.expires_at,
             concurrency = excluded.concurrency, active_runs = excluded.active_runs
           RETURNING worker_id)
         DELETE FROM workers WHERE expires_at < $9 AND worker_id NOT IN (SELECT worker_id FROM beat)`,
        [worker.workerId, worker.host, worker.pid, worker.startedAt, worker.lastSeenAt, worker.expiresAt, worker.concurrency,
          activeRunsJson(worker.activeRuns), deleteExpiredBefore],
      );
    },

    async removeWorker(workerId) {
      await query('DELETE FROM workers WHERE worker_id = $1', [workerId]);
    },

    async listLiveWorkers(now) {
      return (await query('SELECT * FROM workers WHERE expires_at > $1 ORDER BY started_at, worker_id', [now])).map(toWorkerRecord);
    },

    async lastWorkerSeenAt() {
      const row = await one('SELECT max(last_seen_at) AS seen FROM workers');
      return row?.seen === null || row?.seen === undefined ? null : Number(row.seen);
    },
  };
}
