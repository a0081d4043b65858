import { parseDuration } from '../core/duration.js';
import type { ErrorDetail } from '../core/errors.js';
import { MAX_NOT_BEFORE_AHEAD_MS, MAX_PRIORITY_S, type RunFlow } from '../store/flow-rows.js';
import type { WorkflowDefinition } from '../workflow/definition.js';
import { evaluateTemplate } from '../workflow/expressions.js';

/** A concurrency key's value is at most this long (it is an index key). */
export const MAX_CONCURRENCY_KEY_LENGTH = 255;

/** The flow-control options of a create body (SPEC §12), as sent. */
export interface FlowOptionFields {
  priority?: unknown;
  delay?: unknown;
  not_before?: unknown;
  ttl?: unknown;
}

/** The create's options, checked: absent ones are undefined (the definition's `ttl` then applies). */
export interface FlowOptions {
  priority?: number;
  notBefore?: number;
  ttlMs?: number;
}

export type FlowOptionsCheck = { ok: true; options: FlowOptions } | { ok: false; details: ErrorDetail[] };

/**
 * Checks `priority`, `delay` / `not_before` and `ttl` of a create body (or a batch item: `at`
 * is the details' path prefix, e.g. `body.runs.3`). Bad values answer `invalid_request` with
 * details naming the field.
 *
 * @example
 * checkFlowOptions({ delay: '30s' }, Date.now()) // { ok: true, options: { notBefore: now + 30000 } }
 */
export function checkFlowOptions(fields: FlowOptionFields, now: number, at = 'body'): FlowOptionsCheck {
  const details: ErrorDetail[] = [];
  const options: FlowOptions = {};
  const bad = (field: string, message: string) => details.push({ path: `${at}.${field}`, message });
  if (fields.priority !== undefined && fields.priority !== null) {
    const priority = fields.priority;
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY_S) {
      bad('priority', `must be an integer from 0 to ${MAX_PRIORITY_S} (seconds of queue credit)`);
    } else options.priority = priority;
  }
  const hasDelay = fields.delay !== undefined && fields.delay !== null;
  const hasNotBefore = fields.not_before !== undefined && fields.not_before !== null;
  if (hasDelay && hasNotBefore) bad('not_before', 'cannot be combined with delay; send one of them');
  else if (hasDelay) {
    const ms = typeof fields.delay === 'string' ? parseDuration(fields.delay) : null;
    if (ms === null) bad('delay', 'must be a duration such as "30s", "10m" or "1h"');
    else if (ms > MAX_NOT_BEFORE_AHEAD_MS) bad('delay', 'must be at most 30 days');
    else if (ms > 0) options.notBefore = now + ms;
  } else if (hasNotBefore) {
    const text = fields.not_before;
    const at = typeof text === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(at)) bad('not_before', 'must be an ISO 8601 time with a zone, e.g. "2026-01-27T01:23:45.000Z"');
    else if (at > now + MAX_NOT_BEFORE_AHEAD_MS) bad('not_before', 'must be at most 30 days ahead');
    else if (at > now) options.notBefore = at;
  }
  if (fields.ttl !== undefined && fields.ttl !== null) {
    const ms = typeof fields.ttl === 'string' ? parseDuration(fields.ttl) : null;
    if (ms === null || ms <= 0) bad('ttl', 'must be a duration over 0 such as "30s", "10m" or "1h"');
    else options.ttlMs = ms;
  }
  return details.length > 0 ? { ok: false, details } : { ok: true, options };
}

export type RunFlowResult = { ok: true; flow: RunFlow | undefined } | { ok: false; details: ErrorDetail[] };

/**
 * A new run's flow control: the create's options over the definition's `ttl`, and the
 * definition's `concurrency` evaluated now over `inputs` and `run.metadata` (SPEC §12). A key
 * that fails to evaluate (an error, or nothing) is `invalid_inputs` with details `concurrency.key`.
 * Undefined `flow` when none of it applies, so such runs are exactly as before.
 */
export async function runFlowOf(
  definition: Pick<WorkflowDefinition, 'concurrency' | 'ttl'>,
  scope: { workflowId: string; inputs: Record<string, unknown>; metadata: Record<string, unknown> | null },
  options: FlowOptions = {},
): Promise<RunFlowResult> {
  let concurrency: RunFlow['concurrency'] = null;
  if (definition.concurrency) {
    const key = definition.concurrency.key === undefined ? '' : await evaluateKey(definition.concurrency.key, scope);
    if (typeof key !== 'string') return { ok: false, details: [{ path: 'concurrency.key', message: key.problem }] };
    concurrency = { key, limit: definition.concurrency.limit };
  }
  const definitionTtl = definition.ttl === undefined ? null : parseDuration(definition.ttl);
  const ttlMs = options.ttlMs ?? (definitionTtl !== null && definitionTtl > 0 ? definitionTtl : null);
  if (concurrency === null && ttlMs === null && options.priority === undefined && options.notBefore === undefined) return { ok: true, flow: undefined };
  return { ok: true, flow: { priority: options.priority ?? 0, notBefore: options.notBefore ?? null, ttlMs, concurrency } };
}

async function evaluateKey(template: string, scope: { workflowId: string; inputs: Record<string, unknown>; metadata: Record<string, unknown> | null }): Promise<string | { problem: string }> {
  let value: unknown;
  try {
    value = await evaluateTemplate(template, { inputs: scope.inputs, run: { workflowId: scope.workflowId, metadata: scope.metadata } });
  } catch (error) {
    return { problem: `the concurrency key could not be evaluated: ${(error as Error).message}` };
  }
  if (value === null || value === undefined || value === '') return { problem: 'the concurrency key evaluated to nothing; give the inputs it names' };
  const key = typeof value === 'string' ? value : JSON.stringify(value);
  if (key.length > MAX_CONCURRENCY_KEY_LENGTH) return { problem: `the concurrency key is over ${MAX_CONCURRENCY_KEY_LENGTH} characters` };
  return key;
}
