import type { Clock } from '../core/clock.js';
import type { TraceParent } from '../core/trace-context.js';
import { AppError, type ErrorCode, type ErrorDetail } from '../core/errors.js';
import { assertNever } from '../core/assert-never.js';
import type { DeletedRun, Run, Store } from '../store/store.js';
import { newRunOf, prepareFlow, prepareInputs, preparePublished } from './queue-run.js';
import { checkFlowOptions, type FlowOptions } from './run-flow.js';
import { createRunErrorOf, MAX_IDEMPOTENCY_KEY_LENGTH, MAX_METADATA_BYTES, preparationErrorOf, runsWaitingForLimit } from './runs-service.js';
import type { WorkflowsService } from './workflows-service.js';

/** SPEC §15: a batch has 1 to this many items. */
export const MAX_BATCH_RUNS = 1000;

/** One item as sent: its fields are checked here, item by item (a bad item refuses only itself). */
export interface BatchRunItem {
  inputs?: unknown;
  metadata?: unknown;
  idempotency_key?: unknown;
  /** Flow control (SPEC §12), as the single create's body has them. */
  priority?: unknown;
  delay?: unknown;
  not_before?: unknown;
  ttl?: unknown;
}

/** How one item came out, in request order: a run (created, or replayed for its key) or the error the single create would answer. */
export type BatchItemOutcome =
  | { kind: 'created'; run: Run }
  | { kind: 'replayed'; run: Run }
  /** Its key's run was deleted by retention (SPEC §17): answered from the run's record. */
  | { kind: 'replayed_deleted'; deleted: DeletedRun }
  | { kind: 'refused'; error: { code: ErrorCode; message: string; details?: ErrorDetail[] } };

/**
 * Batch create (SPEC §15) on the one create path: the workflow and its published
 * definition read once, each item's fields and inputs checked as `queueRun` checks them,
 * then every prepared item handed to the store's `createRuns` at once (one transaction, or
 * a chunk of them, judging idempotency and limits item by item in request order).
 *
 * @example
 * const outcomes = await batch.createRuns({ workspaceId: 1, workflowId: 'hello', runs: [{ inputs: { name: 'Ada' } }] });
 */
export function createBatchRunsService(deps: { store: Store; clock: Clock; workflows: Pick<WorkflowsService, 'publishedDefinition'> }) {
  const { store, clock } = deps;

  async function createRuns(request: { workspaceId: number; workflowId: string; runs: readonly BatchRunItem[]; traceParent?: TraceParent | null }): Promise<BatchItemOutcome[]> {
    if (request.runs.length === 0 || request.runs.length > MAX_BATCH_RUNS) {
      throw new AppError('invalid_request', `runs must have 1 to ${MAX_BATCH_RUNS} items.`, {
        details: [{ path: 'body.runs', message: `must have 1 to ${MAX_BATCH_RUNS} items, has ${request.runs.length}` }],
      });
    }
    const published = await preparePublished(deps, request);
    if (published.kind !== 'published') throw preparationErrorOf(request.workflowId, published);

    const now = clock.now();
    const outcomes: (BatchItemOutcome | null)[] = [];
    const toCreate: { index: number; run: ReturnType<typeof newRunOf> }[] = [];
    for (const [index, item] of request.runs.entries()) {
      const checked = checkItem(item, index, now);
      if (checked.kind === 'refused') {
        outcomes.push(checked);
        continue;
      }
      const prepared = await prepareFlow(published, prepareInputs(published, checked.inputs), checked.metadata, checked.flowOptions);
      if (prepared.kind !== 'prepared') {
        outcomes.push(refused(preparationErrorOf(request.workflowId, prepared)));
        continue;
      }
      outcomes.push(null);
      // Every item's run is a span of its own under the caller's span (one trace per batch request when it sends `traceparent`).
      const queueRequest = {
        workspaceId: request.workspaceId, metadata: checked.metadata, idempotencyKey: checked.idempotencyKey, trigger: { kind: 'batch' as const },
        traceParent: request.traceParent ?? null,
      };
      toCreate.push({ index, run: newRunOf(clock, queueRequest, prepared) });
    }

    const results = toCreate.length === 0 ? [] : await store.createRuns(toCreate.map((item) => item.run));
    const waitingRuns = await runsWaitingForLimit(store, request.workspaceId, results);
    results.forEach((result, i) => {
      const index = toCreate[i]!.index;
      switch (result.kind) {
        case 'created':
        case 'replayed':
          outcomes[index] = { kind: result.kind, run: result.run };
          break;
        case 'replayed_deleted':
          outcomes[index] = result;
          break;
        case 'idempotency_conflict':
        case 'daily_limit_exceeded':
        case 'concurrent_limit_exceeded':
        case 'child_run_limit':
          outcomes[index] = refused(createRunErrorOf(clock, result, waitingRuns));
          break;
        default:
          assertNever(result);
      }
    });
    return outcomes.map((outcome) => outcome!);
  }

  return { createRuns };
}

export type BatchRunsService = ReturnType<typeof createBatchRunsService>;

function refused(error: AppError): BatchItemOutcome {
  return { kind: 'refused', error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } };
}

type CheckedItem =
  | { kind: 'checked'; inputs: Record<string, unknown>; metadata: Record<string, unknown> | null; idempotencyKey: string | null; flowOptions: FlowOptions }
  | Extract<BatchItemOutcome, { kind: 'refused' }>;

/** An item's own fields, as the single create checks its body and Idempotency-Key (400 `invalid_request`). */
function checkItem(item: BatchRunItem, index: number, now: number): CheckedItem {
  const bad = (field: string, message: string): CheckedItem => ({
    kind: 'refused',
    error: { code: 'invalid_request', message: `runs[${index}].${field} ${message}.`, details: [{ path: `body.runs.${index}.${field}`, message }] },
  });
  if (!isPlainObject(item.inputs)) return bad('inputs', 'must be an object');
  if (item.metadata !== undefined && item.metadata !== null && !isPlainObject(item.metadata)) return bad('metadata', 'must be an object');
  const metadata = isPlainObject(item.metadata) ? item.metadata : null;
  if (metadata !== null && Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) return bad('metadata', `must be at most ${MAX_METADATA_BYTES} bytes as JSON`);
  const key = item.idempotency_key;
  if (key !== undefined && key !== null && (typeof key !== 'string' || key.trim().length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    return bad('idempotency_key', `must be a string of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  const flow = checkFlowOptions(item, now, `body.runs.${index}`);
  if (!flow.ok) return { kind: 'refused', error: { code: 'invalid_request', message: `runs[${index}] has a flow option that is not valid.`, details: flow.details } };
  return { kind: 'checked', inputs: item.inputs, metadata, idempotencyKey: typeof key === 'string' ? key : null, flowOptions: flow.options };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
