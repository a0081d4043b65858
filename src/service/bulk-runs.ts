import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { RunStatus } from '../core/states.js';
import type { RunSelection } from '../store/run-control-store.js';
import type { Store } from '../store/store.js';
import type { RunControlService } from './run-control-service.js';

export const MAX_BULK_RUNS = 10_000;
/** Runs changed per transaction: a crash leaves each run done or untouched. */
const CHUNK = 500;

export interface BulkRequest {
  workspaceId: number;
  action: 'cancel' | 'abort' | 'replay';
  filter: RunSelection & { all?: boolean };
  fromStep?: string;
  dryRun: boolean;
  /** Who acts, for abort messages. */
  by: string;
}

/** What each action applies to: the runs it can change (the rest are `refused`). */
const ACTIONABLE: Record<BulkRequest['action'], readonly RunStatus[]> = {
  cancel: [RunStatus.QUEUED],
  abort: [RunStatus.QUEUED, RunStatus.STARTING, RunStatus.RUNNING],
  replay: [RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED],
};

/** `POST /workflow-runs/bulk` (SPEC §11): cancel, abort or replay the runs a filter matches. */
export function createBulkRuns(deps: { store: Store; clock: Clock; runControl: RunControlService }) {
  const { store, clock } = deps;

  return async function bulk(request: BulkRequest): Promise<{ matched: number; affected: number; refused: number }> {
    const { all, ...selection } = request.filter;
    const empty = Object.values(selection).every((value) => value === undefined);
    if (empty && all !== true) throw new AppError('invalid_request', 'An empty filter acts on every run of the workspace: send `filter.all: true` to mean it.');
    const ids = await store.selectRunIds(request.workspaceId, selection, MAX_BULK_RUNS + 1);
    if (ids.length > MAX_BULK_RUNS) throw new AppError('too_many_runs', `The filter matches more than ${MAX_BULK_RUNS} runs; narrow it.`);
    const matched = ids.length;
    if (request.dryRun) {
      const actionable = await store.selectRunIds(request.workspaceId, { ...selection, statuses: intersect(selection.statuses, ACTIONABLE[request.action]) }, MAX_BULK_RUNS);
      return { matched, affected: 0, refused: matched - actionable.length };
    }
    let affected = 0;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      affected += await applyChunk(request, chunk);
    }
    return { matched, affected, refused: matched - affected };
  };

  async function applyChunk(request: BulkRequest, runIds: string[]): Promise<number> {
    switch (request.action) {
      case 'cancel':
        return (await store.cancelQueuedRuns(request.workspaceId, runIds, clock.now())).length;
      case 'abort':
        // One transaction per run (its tree): an abort must see each run's current holder.
        return count(runIds, (runId) => deps.runControl.abortRun(request.workspaceId, runId, request.by));
      case 'replay':
        return count(runIds, (runId) => deps.runControl.replayRun({ workspaceId: request.workspaceId, runId, ...(request.fromStep ? { fromStep: request.fromStep } : {}) }));
    }
  }
}

/** How many of the actions succeeded; one refused (an AppError) counts as refused, anything else is thrown. */
async function count(runIds: readonly string[], act: (runId: string) => Promise<unknown>): Promise<number> {
  let done = 0;
  for (const runId of runIds) {
    try {
      await act(runId);
      done += 1;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
    }
  }
  return done;
}

function intersect(wanted: readonly RunStatus[] | undefined, allowed: readonly RunStatus[]): RunStatus[] {
  return wanted === undefined ? [...allowed] : allowed.filter((status) => wanted.includes(status));
}

export type BulkRuns = ReturnType<typeof createBulkRuns>;
