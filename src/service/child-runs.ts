import type { Clock } from '../core/clock.js';
import type { ChildRuns } from '../steps/step-type.js';
import type { ChildRunLimits, Store } from '../store/store.js';
import { assertNever } from '../core/assert-never.js';
import { queueRun } from './queue-run.js';
import type { WorkflowsService } from './workflows-service.js';

/** How deep `workflow` steps may nest runs by default (`SLIPWAY_MAX_RUN_DEPTH`; a workflow that calls itself stops here). */
export const MAX_CHILD_RUN_DEPTH = 8;
/** How many child runs one root run may have in all by default (`SLIPWAY_MAX_RUN_TREE`). */
export const MAX_CHILD_RUN_TREE = 1000;

/**
 * Child runs for `workflow` steps. A child is an ordinary run of the same workspace,
 * with its inputs validated like any run's, but it is not refused by the workspace's
 * run limits (they govern runs started through the API) and does not count against
 * them. The step's key is the child's idempotency key, so starting twice finds the
 * same child.
 */
export function createChildRuns(deps: { store: Store; clock: Clock; workflows: WorkflowsService; limits?: ChildRunLimits }): ChildRuns {
  const { store } = deps;
  const childRunLimits = deps.limits ?? { maxDepth: MAX_CHILD_RUN_DEPTH, maxTree: MAX_CHILD_RUN_TREE };

  return {
    async start(request) {
      // A child run's spans join its parent's trace, under the parent run's span (SPEC §17).
      const parentTrace = (await store.getRun(request.workspaceId, request.parentRunId))?.trace ?? null;
      const result = await queueRun(deps, {
        workspaceId: request.workspaceId,
        workflowId: request.workflowId,
        inputs: request.inputs,
        metadata: { parent_run_id: request.parentRunId },
        idempotencyKey: `slipway-child:${request.key}`,
        trigger: { kind: 'child', parentRunId: request.parentRunId },
        childRunLimits,
        traceParent: parentTrace ? { traceId: parentTrace.traceId, spanId: parentTrace.spanId, sampled: parentTrace.sampled } : null,
      });
      switch (result.kind) {
        case 'created':
        case 'replayed':
          return { kind: 'started', runId: result.run.id };
        case 'replayed_deleted':
          // Retention never deletes a child run while its parent is unfinished; should it be gone, the parent sees no run.
          return { kind: 'started', runId: result.deleted.id };
        case 'idempotency_conflict':
          return { kind: 'refused', message: `the child key is already used by a run of "${result.run.workflowId}"` };
        case 'workflow_not_found':
          return { kind: 'refused', message: `no workflow "${request.workflowId}" in this workspace` };
        case 'workflow_not_published':
          return { kind: 'refused', message: `workflow "${request.workflowId}" has no published version` };
        case 'invalid_inputs':
          return { kind: 'refused', message: `invalid inputs for "${request.workflowId}": ${result.details.map((d) => `${d.path} ${d.message}`).join('; ')}` };
        case 'child_run_limit':
          return { kind: 'refused', code: 'CHILD_RUN_LIMIT', message: result.message };
        case 'daily_limit_exceeded':
        case 'concurrent_limit_exceeded':
          return { kind: 'refused', message: 'unexpected run limit for a child run' };
        default:
          return assertNever(result);
      }
    },
    async get(workspaceId, runId) {
      const run = await store.getRun(workspaceId, runId);
      return run ? { status: run.status, output: run.output, error: run.error } : null;
    },
  };
}
