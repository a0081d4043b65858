import { BATCH_CHUNK_SIZE, type ChunkItemResult, type GuardedNewRun } from './postgres-batch-runs.js';

interface Waiting {
  input: GuardedNewRun;
  resolve(result: ChunkItemResult): void;
  reject(error: unknown): void;
}

/**
 * Group commit for the creates of a workspace with limits (issue 10). Such creates take the
 * workspace's row lock and hold it through their commit's WAL flush, so one at a time commit:
 * about 230/s here against 800/s without limits. Instead, the creates of one workspace that
 * arrive while one of its transactions is in flight wait for it and then go out together as
 * one batch chunk (postgres-batch-runs.ts: one lock, one commit, each item judged in arrival
 * order exactly as createRun would). A chunk that fails as a whole (an error, not a refused
 * item) is redone item by item, each in its own transaction, so one failing create fails
 * alone. Limits across processes stay exact: every chunk takes the same workspace lock. A
 * guarded create (createRunIfCurrent) has its token and workflow version re-checked by its
 * chunk after the lock, and answers `guard_failed` when they no longer hold.
 *
 * @example
 * const groups = createWorkspaceCreateGroups({ createOne, createChunk });
 * const result = await groups.submit(input);
 */
export function createWorkspaceCreateGroups(deps: {
  createOne(input: GuardedNewRun): Promise<ChunkItemResult>;
  createChunk(inputs: readonly GuardedNewRun[]): Promise<ChunkItemResult[]>;
}) {
  const pendingByWorkspace = new Map<number, Waiting[]>();

  async function drain(workspaceId: number, pending: Waiting[]) {
    while (pending.length > 0) {
      const items = pending.splice(0, BATCH_CHUNK_SIZE);
      let results: ChunkItemResult[] | null = null;
      try {
        results = items.length === 1 ? [await deps.createOne(items[0]!.input)] : await deps.createChunk(items.map((item) => item.input));
      } catch (error) {
        if (items.length === 1) items[0]!.reject(error);
      }
      if (results) {
        for (const [index, item] of items.entries()) item.resolve(results[index]!);
        continue;
      }
      if (items.length === 1) continue;
      for (const item of items) {
        try {
          item.resolve(await deps.createOne(item.input));
        } catch (error) {
          item.reject(error);
        }
      }
    }
    pendingByWorkspace.delete(workspaceId);
  }

  return {
    submit(input: GuardedNewRun): Promise<ChunkItemResult> {
      return new Promise((resolve, reject) => {
        const pending = pendingByWorkspace.get(input.workspaceId);
        if (pending) {
          pending.push({ input, resolve, reject });
          return;
        }
        const started: Waiting[] = [{ input, resolve, reject }];
        pendingByWorkspace.set(input.workspaceId, started);
        void drain(input.workspaceId, started);
      });
    },
  };
}
