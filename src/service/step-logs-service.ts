import { AppError } from '../core/errors.js';
import type { StepLogLine, Store } from '../store/store.js';

/** A run's step logs (SPEC §17), paged by `seq`. */
export function createStepLogsService(deps: { store: Pick<Store, 'getRun' | 'listStepLogs'> }) {
  return {
    async listRunLogs(workspaceId: number, runId: string, query: { stepId?: string; after?: number; limit?: number }): Promise<StepLogLine[]> {
      const run = await deps.store.getRun(workspaceId, runId);
      if (!run) throw new AppError('not_found', `No run "${runId}" in this workspace.`);
      return deps.store.listStepLogs(run.id, { stepId: query.stepId ?? null, after: query.after ?? 0, limit: query.limit ?? 100 });
    },
  };
}

export type StepLogsService = ReturnType<typeof createStepLogsService>;
