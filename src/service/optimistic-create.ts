import type { CreateRunResult, Workflow } from '../store/store.js';
import { newRunOf, prepareFlow, prepareInputs, type QueueRunDeps, type QueueRunRequest } from './queue-run.js';

/** Published workflows remembered per process as hints for creates (a workflow row each). */
const WORKFLOW_HINTS = 1_000;

/**
 * The create's fast path (issue 10): one round trip for `POST …/runs` on a store with
 * `createRunIfCurrent` (PostgreSQL). The caller's token and the workflow (its default version)
 * come from this process's memory when it has them, the inputs are checked against that
 * version's definition (immutable, cached), and the insert's own statement re-checks both —
 * the token not revoked or expired and of the workspace, the default version unchanged — so a
 * revocation or a new version committed by any process before the insert is never missed (in a
 * workspace with limits the group commit's chunk re-checks them after the workspace lock, and a
 * limit it answers is final). Everything else is left to `queueRun`: a guard that no longer
 * holds (the workflow hint is dropped), a workspace newly found limited, an Idempotency-Key,
 * inputs that do not pass (the error is judged again on freshly read rows), no such workflow.
 * After a `stale` answer the caller's token is read again (`Caller.verify(true)`) before that path.
 *
 * @example
 * const fast = createOptimisticCreates({ store, clock, workflows });
 * const tried = await fast.tryCreate(request, caller.tokenId);
 * if (typeof tried !== 'object') await caller.verify(tried === 'stale');
 * const result = typeof tried === 'object' ? tried : await queueRun(deps, request);
 */
export function createOptimisticCreates(deps: QueueRunDeps) {
  const workflows = new Map<string, Workflow>();
  const remember = (key: string, workflow: Workflow) => {
    workflows.delete(key);
    if (workflows.size >= WORKFLOW_HINTS) workflows.delete(workflows.keys().next().value!);
    workflows.set(key, workflow);
  };

  /**
   * The store's answer (created, or a limit) with the guard holding; or `stale` (a guard failed,
   * or the workspace is newly limited: read the token again) or `not_applicable`: take `queueRun`.
   */
  async function tryCreate(request: QueueRunRequest, tokenId: string): Promise<CreateRunResult | 'stale' | 'not_applicable'> {
    const { store } = deps;
    if (!store.createRunIfCurrent || request.idempotencyKey !== null || request.trigger.kind !== 'api') return 'not_applicable';
    const key = `${request.workspaceId}\u0000${request.workflowId}`;
    let workflow = workflows.get(key);
    if (!workflow) {
      const read = await store.getWorkflow(request.workspaceId, request.workflowId);
      if (!read || read.defaultVersion === 0) return 'not_applicable';
      workflow = read;
    }
    const definition = await deps.workflows.publishedDefinition(workflow);
    if (!definition) return 'not_applicable';
    const published = { kind: 'published' as const, workflow, definition };
    const prepared = await prepareFlow(published, prepareInputs(published, request.inputs), request.metadata, request.flowOptions);
    if (prepared.kind !== 'prepared') return 'not_applicable';
    const created = await store.createRunIfCurrent(newRunOf(deps.clock, request, prepared), { tokenId, workflowVersion: workflow.defaultVersion });
    if (created.kind !== 'not_created') {
      // Judged with the guard holding (created, or a limit): the hints were current.
      remember(key, workflow);
      return created;
    }
    if (!created.checked) return 'not_applicable';
    // Stale, or the workspace has limits: either way the full path reads both again.
    workflows.delete(key);
    return 'stale';
  }

  return { tryCreate };
}
