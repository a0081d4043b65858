import type * as Wire from '../api/schemas.js';
import type { Run } from '../store/store.js';
import type { RunsService } from '../service/runs-service.js';
import { toRunWithDetails } from './presenters.js';

/** A run as `GET /workflow-runs/{runId}?include=details` answers it. */
export type RunDetailsOf = (run: Run) => Promise<Wire.RunWithDetails>;

/**
 * The one place a run's details are built (SPEC Part II): the GET with `include=details`, a
 * create or GET with `?wait` that ended, and the `data` of run webhooks all answer this, so a
 * field added here (`usage`, `waiting`) appears in all three.
 *
 * @example
 * const runDetails = createRunDetails(services.runs);
 * reply.send(await runDetails(run));
 */
export function createRunDetails(runs: Pick<RunsService, 'getRunUsage' | 'getRunWaiting'>): RunDetailsOf {
  return async (run) => {
    const [usage, waiting] = await Promise.all([runs.getRunUsage(run.id), runs.getRunWaiting(run)]);
    return { ...toRunWithDetails(run), usage, waiting };
  };
}
