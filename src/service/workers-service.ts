import type { Clock } from '../core/clock.js';
import type { Store } from '../store/store.js';

/** A live worker as one workspace sees it: its own runs only. */
export interface WorkerView {
  workerId: string;
  host: string;
  pid: number;
  startedAt: number;
  lastSeenAt: number;
  concurrency: number;
  /** This workspace's runs the worker was executing at its last heartbeat. */
  activeRunIds: string[];
}

/** The workers registry as the API reads it (SPEC §12 `GET /workers`). */
export function createWorkersService(deps: { store: Pick<Store, 'listLiveWorkers'>; clock: Clock }) {
  return {
    /** Live worker processes (seen within their lease timeout), oldest first, with this workspace's active runs. */
    async listWorkers(workspaceId: number): Promise<WorkerView[]> {
      const workers = await deps.store.listLiveWorkers(deps.clock.now());
      return workers.map((worker) => ({
        workerId: worker.workerId,
        host: worker.host,
        pid: worker.pid,
        startedAt: worker.startedAt,
        lastSeenAt: worker.lastSeenAt,
        concurrency: worker.concurrency,
        activeRunIds: worker.activeRuns.filter((run) => run.workspaceId === workspaceId).map((run) => run.runId),
      }));
    },
  };
}

export type WorkersService = ReturnType<typeof createWorkersService>;
