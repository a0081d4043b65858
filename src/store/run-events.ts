import type { RunStatus } from '../core/states.js';
import { StepStatus } from '../core/states.js';
import type { RunError, StepAttempt } from './types.js';

/**
 * The run event log (SPEC §9): what a run did, in order, as the SSE stream, long-polls,
 * webhooks and the dashboard read it. Every event is appended by the store in the same
 * transaction as the change it reports (the outbox of docs/ARCHITECTURE.md), and its `seq`
 * is taken from a counter on the run row in that transaction, so a follower that reads
 * "after seq N" never skips one.
 *
 * Adding an event type is one line in `RunEventPayloads`; the store writes whatever the
 * write path hands to its dialect's `appendRunEvents`.
 */
export interface RunEventPayloads {
  'run.status': { status: RunStatus; at: string; error: RunError | null };
  'step.started': StepEventBase;
  'step.completed': StepEventBase & { output: unknown };
  'step.failed': StepEventBase & { error: RunError | null; retry_at: string | null };
  'step.waiting': StepEventBase & { reason: StepWaitReason; until: string | null };
  'step.skipped': StepEventBase;
  /** Streamed LLM text since the previous delta; kept only until the step's attempt ends. */
  'step.delta': { step_id: string; attempt: number; text: string };
  /** The waitpoint without its URLs (SPEC §7); filled in by the waitpoints topic. */
  'waitpoint.opened': Record<string, unknown>;
  'waitpoint.completed': Record<string, unknown>;
}

export type RunEventType = keyof RunEventPayloads;

export interface StepEventBase {
  step_id: string;
  attempt: number;
  at: string;
}

/** Why a step sleeps: a `delay`, a waitpoint, a child run, or the back-off before a retry. */
export type StepWaitReason = 'delay' | 'waitpoint' | 'child_run' | 'retry' | 'waiting';

/** An event as a write path hands it to the store (the store gives it its `seq`). */
export type NewRunEvent = { [K in RunEventType]: { type: K; data: RunEventPayloads[K] } }[RunEventType];

/** An event as stored: `data` is the JSON text sent on the wire as is. */
export interface RunEvent {
  runId: string;
  seq: number;
  type: RunEventType;
  /** The payload as JSON text (stored and sent without re-encoding). */
  data: string;
  createdAt: number;
}

/** Event types after which a step's `step.delta` rows are deleted: its attempt ended. */
export const STEP_END_EVENTS: ReadonlySet<RunEventType> = new Set(['step.completed', 'step.failed', 'step.skipped']);

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** `run.status` for a status change at `now`. */
export function runStatusEvent(status: RunStatus, now: number, error: RunError | null = null): NewRunEvent {
  return { type: 'run.status', data: { status, at: iso(now), error } };
}

/** The error an aborted run's still-open attempts are closed with (SPEC §11). */
export const ABORTED_ATTEMPT_ERROR: RunError = { code: 'ABORTED', message: 'the run was aborted' };

/** `step.failed` for each attempt an abort closed, so the log says how every started step ended. */
export function abortedAttemptEvents(closed: readonly Record<string, unknown>[], now: number): NewRunEvent[] {
  return closed.map((row) => ({
    type: 'step.failed',
    data: { step_id: String(row.step_id), attempt: Number(row.attempt), at: iso(now), error: ABORTED_ATTEMPT_ERROR, retry_at: null },
  }));
}

/** True for the event that ends a stream: a terminal `run.status`. */
export function isTerminalStatusEvent(event: Pick<RunEvent, 'type' | 'data'>): boolean {
  if (event.type !== 'run.status') return false;
  const status = (JSON.parse(event.data) as { status: string }).status;
  return status === 'COMPLETED' || status === 'FAILED' || status === 'CANCELED';
}

/**
 * When a saved attempt's events happened: its start (RUNNING), its end (finished states), or
 * the moment of saving for a wait (a WAITING attempt has no end yet).
 */
export function stepEventTime(attempt: StepAttempt): number {
  if (attempt.status === StepStatus.RUNNING) return attempt.startedAt;
  return attempt.finishedAt ?? Date.now();
}

const WAIT_REASONS: Record<string, StepWaitReason> = { delay: 'delay', wait: 'waitpoint', workflow: 'child_run' };

/**
 * The events a saved step attempt reports, derived from what was saved: the one place that
 * maps checkpoints to `step.*` events, used by both dialects' `saveStepAttempt`. A failure
 * with a wake time is a retry: `step.failed` with `retry_at`, then `step.waiting` (reason `retry`).
 */
export function stepAttemptEvents(attempt: StepAttempt, now: number): NewRunEvent[] {
  const base: StepEventBase = { step_id: attempt.stepId, attempt: attempt.attempt, at: iso(now) };
  switch (attempt.status) {
    case StepStatus.RUNNING:
      return [{ type: 'step.started', data: base }];
    case StepStatus.COMPLETED:
      return [{ type: 'step.completed', data: { ...base, output: attempt.output ?? null } }];
    case StepStatus.FAILED: {
      const failed: NewRunEvent = { type: 'step.failed', data: { ...base, error: attempt.error, retry_at: isoOrNull(attempt.wakeAt) } };
      if (attempt.wakeAt === null) return [failed];
      return [failed, { type: 'step.waiting', data: { ...base, reason: 'retry', until: iso(attempt.wakeAt) } }];
    }
    case StepStatus.WAITING:
      return [{ type: 'step.waiting', data: { ...base, reason: WAIT_REASONS[attempt.stepType] ?? 'waiting', until: isoOrNull(attempt.wakeAt) } }];
    case StepStatus.SKIPPED:
      return [{ type: 'step.skipped', data: base }];
    case StepStatus.PENDING:
      return [];
  }
}
