import { parseDatabaseUrl } from '../../src/config/config.js';
import { newRunId, newUuid } from '../../src/core/ids.js';
import { openStore } from '../../src/server.js';
import type { NewRun, Store, Workspace } from '../../src/store/store.js';
import { freshDatabase, type Backend } from './test-server.js';

/** A fixed instant (a Tuesday, 10:00 UTC) that store tests pass as `now`. */
export const T0 = Date.UTC(2026, 0, 27, 10, 0, 0);
export const DAY_START = Date.UTC(2026, 0, 27);

export interface StorePair {
  /** The store under test. */
  store: Store;
  /**
   * A second store on the same database: another connection (SQLite) or pool
   * (PostgreSQL), standing in for another process in race tests.
   */
  other: Store;
  close(): Promise<void>;
}

/** Opens two stores of `backend` on one fresh, migrated database. */
export async function openStorePair(backend: Backend): Promise<StorePair> {
  const { databaseUrl, remove } = await freshDatabase(backend);
  const target = parseDatabaseUrl(databaseUrl);
  const store = await openStore(target);
  const other = await openStore(target);
  return {
    store,
    other,
    async close() {
      await store.close();
      await other.close();
      remove();
    },
  };
}

export async function newWorkspace(store: Store, limits: { daily?: number; concurrent?: number } = {}): Promise<Workspace> {
  return store.createWorkspace({ name: 'ws', organizationId: null, dailyRunLimit: limits.daily ?? null, concurrentRunLimit: limits.concurrent ?? null, now: T0 });
}

/** Applies a one-step workflow definition, published unless told otherwise. */
export async function applyWorkflow(store: Store, workspaceId: number, id: string, options: { publish?: boolean; marker?: string; name?: string; now?: number } = {}) {
  return store.applyWorkflow({
    workspaceId,
    workflowId: id,
    uuid: newUuid(),
    fields: { name: options.name ?? `Workflow ${id}`, description: 'd', categories: ['c'], emoji: '', color: '', readme: '' },
    definition: { id, steps: [{ id: 's', type: 'transform', with: { value: options.marker ?? 'v1' } }] },
    publish: options.publish ?? true,
    now: options.now ?? T0,
  });
}

export function runInput(workspaceId: number, workflowId: string, extra: Partial<NewRun> = {}): NewRun {
  return {
    id: newRunId(),
    workspaceId,
    workflowId,
    inputs: { name: 'Ada', nested: { b: 1, a: [1, 2] } },
    metadata: null,
    idempotencyKey: null,
    parentRunId: null,
    ignoreLimits: false,
    now: T0,
    dayStart: DAY_START,
    ...extra,
  };
}

export function claimInput(workerId: string, limit: number, now = T0, leaseMs = 30_000) {
  let n = 0;
  return { workerId, limit, leaseMs, now, newExecutionId: () => `${workerId}-exec-${++n}-${Math.random().toString(36).slice(2)}` };
}
