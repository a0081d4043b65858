import type { CreateGuard, NewRun } from '../run-store.js';
import type { Run } from '../types.js';
import type { PostgresDeps } from './postgres-deps.js';
import { toJson } from '../rows.js';
import { RunStatus } from '../../core/states.js';
import { runStatusEvent } from '../run-events.js';
import { flowColumnsOf, type FlowColumns } from '../flow-rows.js';
import { KEY_UPSERT_SET } from './postgres-flow.js';
import { queuedRunOf } from '../batch-chunk.js';

/** The QUEUED event's data of a run created at `now`. */
export const queuedEventData = (now: number): string => JSON.stringify(runStatusEvent(RunStatus.QUEUED, now).data);

/** $1–$11 of both inserts: the run's own fields. */
export const runParams = (input: NewRun): unknown[] => [
  input.id, input.workspaceId, input.workflowId, JSON.stringify(input.inputs), toJson(input.metadata), input.now, toJson(input.recordedTrigger),
  input.trace?.traceId ?? null, input.trace?.parentSpanId ?? null, input.trace?.spanId ?? null, input.trace ? input.trace.sampled : null,
];

/**
 * A root run in a workspace without limits, and its QUEUED event; no row when the workspace has
 * limits. With `keyed`, the run's key row is upserted in the same statement (KEY_UPSERT_SET:
 * rewritten only when its head moves earlier, else just locked), so keyed creates keep the one
 * round trip; without, the statement has no key part at all (plain creates parse and plan less).
 */
const oneStatementCreate = (keyed: boolean, guarded = false) => `WITH ins AS (
    INSERT INTO runs (id, workspace_id, workflow_id, status, inputs, metadata, created_at, updated_at, event_seq, run_trigger,
      trace_id, trace_parent_span_id, trace_span_id, trace_sampled, priority, not_before, queue_at, expires_at, concurrency_key, concurrency_limit)
    SELECT $1::text, w.id, $3::text, 'QUEUED', $4::json, $5::json, $6::bigint, $6::bigint, 1, $7::json, $8::text, $9::text, $10::text, $11::boolean,
      $13::integer, $14::bigint, $15::bigint, $16::bigint, $17::text, $18::integer
    FROM workspaces w WHERE w.id = $2 AND w.daily_run_limit IS NULL AND w.concurrent_run_limit IS NULL${guarded ? GUARD_CONDITIONS : ''}
    RETURNING id, workspace_id, workflow_id, created_at, queue_at, concurrency_key, concurrency_limit),
  ev AS (INSERT INTO run_events (run_id, seq, type, step_id, data, created_at) SELECT id, 1, 'run.status', NULL, $12::json, created_at FROM ins)${keyed ? `,
  keyed AS (INSERT INTO concurrency_keys (workspace_id, workflow_id, key, head_at, run_limit)
    SELECT workspace_id, workflow_id, concurrency_key, queue_at, concurrency_limit FROM ins
    ${KEY_UPSERT_SET})` : ''}
  SELECT id FROM ins`;
/**
 * createRunIfCurrent's guard ($19 the caller's token id, $20 the workflow version the inputs were
 * checked against), evaluated in the insert's own snapshot: a revocation or a new default version
 * committed before the statement began makes it insert nothing, so a caller's cached token or
 * workflow is only a hint (a stale one costs a second attempt, never a wrong run).
 */
const GUARD_CONDITIONS = `
      AND EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = $19::text AND t.workspace_id = w.id AND t.revoked_at IS NULL
        AND (t.expires_at IS NULL OR t.expires_at > $6::bigint))
      AND EXISTS (SELECT 1 FROM workflows f WHERE f.workspace_id = w.id AND f.id = $3::text AND f.default_version = $20::integer)`;
/** The four one-statement creates, each a named statement (parsed and planned once per connection). */
const ONE_STATEMENT = {
  plain: { text: oneStatementCreate(false), name: 'runs-create-plain' },
  keyed: { text: oneStatementCreate(true), name: 'runs-create-keyed' },
  guardedPlain: { text: oneStatementCreate(false, true), name: 'runs-create-guarded' },
  guardedKeyed: { text: oneStatementCreate(true, true), name: 'runs-create-guarded-keyed' },
};

/** $13–$18 of the one-statement create: the run's flow-control columns. */
const flowParams = (flow: FlowColumns): unknown[] => [flow.priority, flow.notBefore, flow.queueAt, flow.expiresAt, flow.concurrencyKey, flow.concurrencyLimit];

/**
 * The one-statement create, guarded or not: the run as inserted (answered from the input, as a
 * batch chunk's runs are: every column sent back and parsed was a visible share of the create),
 * or null (the workspace has limits, or a guard failed).
 */
export async function createInOneStatement(query: PostgresDeps['query'], input: NewRun, guard: CreateGuard | null): Promise<Run | null> {
  const flow = flowColumnsOf(input.flow, input.now);
  const keyed = flow.concurrencyLimit !== null;
  const statement = guard ? (keyed ? ONE_STATEMENT.guardedKeyed : ONE_STATEMENT.guardedPlain) : keyed ? ONE_STATEMENT.keyed : ONE_STATEMENT.plain;
  const params = [...runParams(input), queuedEventData(input.now), ...flowParams(flow), ...(guard ? [guard.tokenId, guard.workflowVersion] : [])];
  const [inserted] = await query(statement.text, params, { prepared: statement.name });
  return inserted ? queuedRunOf(input, flow) : null;
}
