import type { WorkerStore } from '../worker-store.js';
import { activeRunsJson, toWorkerRecord } from '../worker-rows.js';
import type { SqliteDeps } from './sqlite-deps.js';

/** The workers registry, SQLite dialect. */
export function createSqliteWorkers(deps: SqliteDeps): WorkerStore {
  const { one, all, run } = deps;
  const submit = <T>(work: () => T): Promise<T> => deps.writes.submit(work);

  return {
    async recordWorkerHeartbeat(worker, deleteExpiredBefore) {
      await submit(() => {
        run(
          `INSERT INTO workers (worker_id, host, pid, started_at, last_seen_at, expires_at, concurrency, active_runs)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (worker_id) DO UPDATE SET last_seen_at = excluded.last_seen_at, expires_at = excluded.expires_at,
             concurrency = excluded.concurrency, active_runs = excluded.active_runs`,
          worker.workerId, worker.host, worker.pid, worker.startedAt, worker.lastSeenAt, worker.expiresAt, worker.concurrency,
          activeRunsJson(worker.activeRuns),
        );
        run('DELETE FROM workers WHERE expires_at < ?', deleteExpiredBefore);
      });
    },

    async removeWorker(workerId) {
      await submit(() => run('DELETE FROM workers WHERE worker_id = ?', workerId));
    },

    async listLiveWorkers(now) {
      return all('SELECT * FROM workers WHERE expires_at > ? ORDER BY started_at, worker_id', now).map(toWorkerRecord);
    },

    async lastWorkerSeenAt() {
      const row = one('SELECT max(last_seen_at) AS seen FROM workers');
      return row?.seen === null || row?.seen === undefined ? null : Number(row.seen);
    },
  };
}
