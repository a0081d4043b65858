import type { CreateRunResult } from './store.js';
import { FireOutcome, type Schedule, type ScheduleCatchup, type ScheduleFire, type ScheduleOverlap, type ScheduleSource } from './schedule-store.js';

/** Schedule rows of both dialects (bigint and JSON as text) to domain records. */

type Row = Record<string, unknown>;

const json = (text: unknown): unknown => (text === null || text === undefined ? null : JSON.parse(text as string));
const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export function toSchedule(row: Row): Schedule {
  return {
    id: row.id as string,
    workspaceId: Number(row.workspace_id),
    workflowId: row.workflow_id as string,
    definitionId: (row.definition_id as string | null) ?? null,
    source: row.source as ScheduleSource,
    cron: row.cron as string,
    timezone: row.timezone as string,
    inputs: json(row.inputs) as Record<string, unknown>,
    metadata: json(row.metadata) as Record<string, unknown> | null,
    overlap: row.overlap as ScheduleOverlap,
    catchup: row.catchup as ScheduleCatchup,
    paused: Number(row.paused) === 1,
    nextFireAt: num(row.next_fire_at),
    lastFireAt: num(row.last_fire_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function toScheduleFire(row: Row): ScheduleFire {
  return {
    scheduleId: row.schedule_id as string,
    workspaceId: Number(row.workspace_id),
    fireAt: Number(row.fire_at),
    runId: (row.run_id as string | null) ?? null,
    outcome: row.outcome as FireOutcome,
    createdAt: Number(row.created_at),
  };
}

/** The values of a schedule row in column order of SCHEDULE_COLUMNS. */
export function scheduleValues(s: Schedule): unknown[] {
  return [
    s.id, s.workspaceId, s.workflowId, s.definitionId, s.source, s.cron, s.timezone, JSON.stringify(s.inputs),
    s.metadata === null ? null : JSON.stringify(s.metadata), s.overlap, s.catchup, s.paused ? 1 : 0, s.nextFireAt,
    s.lastFireAt, s.createdAt, s.updatedAt,
  ];
}

export const SCHEDULE_COLUMNS = [
  'id', 'workspace_id', 'workflow_id', 'definition_id', 'source', 'cron', 'timezone', 'inputs', 'metadata', 'overlap',
  'catchup', 'paused', 'next_fire_at', 'last_fire_at', 'created_at', 'updated_at',
] as const;

/** The trigger a run created by a fire records (SPEC §8; shown in the run's details). */
export function scheduleTrigger(scheduleId: string, fireAt: number): { type: 'schedule'; schedule_id: string; fire_at: string } {
  return { type: 'schedule', schedule_id: scheduleId, fire_at: new Date(fireAt).toISOString() };
}

/** The columns a schedule's edits (and publishes) write: all but its identity and creation time. */
export const EDITABLE_COLUMNS = SCHEDULE_COLUMNS.filter((c) => c !== 'id' && c !== 'workspace_id' && c !== 'created_at');

export function editableValues(s: Schedule): unknown[] {
  const values = scheduleValues(s);
  return SCHEDULE_COLUMNS.flatMap((column, i) => ((EDITABLE_COLUMNS as readonly string[]).includes(column) ? [values[i]] : []));
}

/** The fire outcome of a create attempt; a fire has no idempotency key, so no replay can happen. */
export function outcomeOf(result: CreateRunResult): FireOutcome {
  switch (result.kind) {
    case 'created':
      return FireOutcome.CREATED;
    case 'daily_limit_exceeded':
      return FireOutcome.DAILY_RUN_LIMIT_EXCEEDED;
    case 'concurrent_limit_exceeded':
      return FireOutcome.CONCURRENT_RUN_LIMIT_EXCEEDED;
    case 'replayed':
    case 'replayed_deleted':
    case 'idempotency_conflict':
      throw new Error('a schedule fire has no idempotency key, so it cannot replay a run');
    case 'child_run_limit':
      throw new Error('a schedule fire creates a root run, never a child run');
  }
}
