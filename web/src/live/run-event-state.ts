import type { RunStreamEvent } from '../../../src/api/run-events-schemas.js';

/** A step's live status as the graph colours it. */
export type LiveStepStatus = 'PENDING' | 'RUNNING' | 'WAITING' | 'RETRYING' | 'COMPLETED' | 'FAILED' | 'SKIPPED';

/** One attempt of one step, as the waterfall draws it. */
export interface AttemptBar {
  stepId: string;
  attempt: number;
  startedAt: number;
  endedAt: number | null;
  status: LiveStepStatus;
  /** Sleeps inside or after the attempt: delays, waitpoints, child runs, retry back-offs. */
  waits: { from: number; until: number | null; reason: string }[];
}

export interface RunLiveState {
  runStatus: string | null;
  steps: Record<string, LiveStepStatus>;
  attempts: AttemptBar[];
  /** Streamed LLM text per step, while the step runs. */
  deltas: Record<string, string>;
  /** Counts events other than deltas: pages reload their data when it moves. */
  changes: number;
  lastId: number;
}

export const EMPTY_LIVE_STATE: RunLiveState = { runStatus: null, steps: {}, attempts: [], deltas: {}, changes: 0, lastId: 0 };

const ms = (iso: unknown) => (typeof iso === 'string' ? Date.parse(iso) : Date.now());

/** Folds one event into the live state (pure: returns a new state). */
export function applyRunEvent(state: RunLiveState, event: RunStreamEvent): RunLiveState {
  const d = event.data as Record<string, any>;
  const next: RunLiveState = { ...state, lastId: event.id };
  if (event.type === 'step.delta') {
    next.deltas = { ...state.deltas, [d.step_id]: (state.deltas[d.step_id] ?? '') + String(d.text) };
    return next;
  }
  next.changes = state.changes + 1;
  if (event.type === 'run.status') {
    next.runStatus = String(d.status);
    return next;
  }
  if (!event.type.startsWith('step.')) return next;
  const stepId = String(d.step_id);
  const attempt = Number(d.attempt);
  const at = ms(d.at);
  const attempts = state.attempts.slice();
  let index = attempts.findIndex((a) => a.stepId === stepId && a.attempt === attempt);
  if (index < 0) {
    attempts.push({ stepId, attempt, startedAt: at, endedAt: null, status: 'RUNNING', waits: [] });
    index = attempts.length - 1;
  }
  const bar = { ...attempts[index]!, waits: attempts[index]!.waits.slice() };
  let status: LiveStepStatus = bar.status;
  switch (event.type) {
    case 'step.started':
      status = 'RUNNING';
      break;
    case 'step.completed':
      status = 'COMPLETED';
      bar.endedAt = at;
      break;
    case 'step.skipped':
      status = 'SKIPPED';
      bar.endedAt = at;
      break;
    case 'step.failed':
      status = d.retry_at ? 'RETRYING' : 'FAILED';
      bar.endedAt = at;
      break;
    case 'step.waiting':
      if (d.reason !== 'retry') status = 'WAITING';
      bar.waits.push({ from: at, until: d.until ? ms(d.until) : null, reason: String(d.reason) });
      break;
    default:
      break;
  }
  bar.status = status;
  attempts[index] = bar;
  next.attempts = attempts;
  next.steps = { ...state.steps, [stepId]: status };
  if (event.type === 'step.completed' || event.type === 'step.failed' || event.type === 'step.skipped') {
    const { [stepId]: _ended, ...rest } = state.deltas;
    next.deltas = rest;
  }
  return next;
}

/** The status of a `map` item from its sub-steps' statuses (`<mapId>[<i>].<subId>`). */
export function mapItemStatuses(mapId: string, steps: Record<string, LiveStepStatus>): { index: number; status: LiveStepStatus }[] {
  const items = new Map<number, LiveStepStatus[]>();
  const prefix = `${mapId}[`;
  for (const [id, status] of Object.entries(steps)) {
    if (!id.startsWith(prefix)) continue;
    const index = Number(id.slice(prefix.length, id.indexOf(']', prefix.length)));
    if (!Number.isInteger(index)) continue;
    items.set(index, [...(items.get(index) ?? []), status]);
  }
  const order: LiveStepStatus[] = ['FAILED', 'RETRYING', 'RUNNING', 'WAITING', 'PENDING', 'COMPLETED', 'SKIPPED'];
  return [...items.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, statuses]) => ({ index, status: order.find((s) => statuses.includes(s)) ?? 'PENDING' }));
}
