import type { NewRun } from './store.js';

/** Domain records and operations of schedules (SPEC §8). Times are epoch milliseconds. */

export const ScheduleOverlap = { SKIP: 'skip', ALLOW: 'allow' } as const;
export type ScheduleOverlap = (typeof ScheduleOverlap)[keyof typeof ScheduleOverlap];

export const ScheduleCatchup = { NONE: 'none', LAST: 'last', ALL: 'all' } as const;
export type ScheduleCatchup = (typeof ScheduleCatchup)[keyof typeof ScheduleCatchup];

export const ScheduleSource = { API: 'api', DEFINITION: 'definition' } as const;
export type ScheduleSource = (typeof ScheduleSource)[keyof typeof ScheduleSource];

export const FireOutcome = {
  CREATED: 'created',
  SKIPPED_OVERLAP: 'skipped_overlap',
  DAILY_RUN_LIMIT_EXCEEDED: 'daily_run_limit_exceeded',
  CONCURRENT_RUN_LIMIT_EXCEEDED: 'concurrent_run_limit_exceeded',
  INVALID_INPUTS: 'invalid_inputs',
  WORKFLOW_NOT_PUBLISHED: 'workflow_not_published',
} as const;
export type FireOutcome = (typeof FireOutcome)[keyof typeof FireOutcome];

export interface Schedule {
  id: string;
  workspaceId: number;
  workflowId: string;
  /** The schedule's `id` in its workflow file (source `definition`), else null. */
  definitionId: string | null;
  source: ScheduleSource;
  cron: string;
  timezone: string;
  inputs: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
  overlap: ScheduleOverlap;
  catchup: ScheduleCatchup;
  paused: boolean;
  /** The earliest fire time not yet handled; null while paused or when the calendar ends. */
  nextFireAt: number | null;
  lastFireAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface ScheduleFire {
  scheduleId: string;
  workspaceId: number;
  fireAt: number;
  runId: string | null;
  outcome: FireOutcome;
  createdAt: number;
}

export interface ScheduleListQuery {
  workflowId?: string;
  page: number;
  limit: number;
}

export interface ClaimSchedulesInput {
  workerId: string;
  now: number;
  leaseMs: number;
  limit: number;
}

/** What a fire does: create its run through the normal create path (limits apply), or nothing (refused before that). */
export type FireAttempt =
  | { kind: 'create'; run: NewRun }
  | { kind: 'refused'; outcome: typeof FireOutcome.INVALID_INPUTS | typeof FireOutcome.WORKFLOW_NOT_PUBLISHED };

export interface RecordFireInput {
  scheduleId: string;
  workspaceId: number;
  fireAt: number;
  now: number;
  /** With `skip`, no run is created while a run of this schedule is QUEUED/STARTING/RUNNING. */
  overlap: ScheduleOverlap;
  /** Recorded as `skipped_overlap` without looking (catch-up fires before the latest one, SPEC §8). */
  overlapsLaterFire: boolean;
  attempt: FireAttempt;
}

export type RecordFireResult =
  | { kind: 'recorded'; fire: ScheduleFire }
  /** This (schedule, fire time) was recorded before, by this or another process: nothing new. */
  | { kind: 'duplicate'; fire: ScheduleFire }
  | { kind: 'schedule_gone' };

/** The schedule operations every `Store` has (both dialects; test/store-contract-schedules.test.ts). */
export interface ScheduleStore {
  createSchedule(schedule: Schedule): Promise<void>;
  getSchedule(workspaceId: number, scheduleId: string): Promise<Schedule | null>;
  /** Newest first. */
  listSchedules(workspaceId: number, query: ScheduleListQuery): Promise<{ items: Schedule[]; total: number }>;
  /**
   * Writes every editable field and `nextFireAt` and drops a firer's claim on it (so
   * the firer's `releaseSchedule` cannot put back a stale next time). False when gone.
   */
  updateSchedule(schedule: Schedule): Promise<boolean>;
  deleteSchedule(workspaceId: number, scheduleId: string): Promise<boolean>;
  /**
   * Makes the workflow's `definition` schedules exactly `schedules` (matched by id):
   * inserts new ones, updates the others, deletes those not listed. One transaction.
   */
  replaceDefinitionSchedules(workspaceId: number, workflowId: string, schedules: Schedule[]): Promise<void>;
  /**
   * Claims up to `limit` schedules that are due (`next_fire_at <= now`) and not held
   * by a live claim, for `leaseMs` (SKIP LOCKED on PostgreSQL, the single writer on SQLite).
   */
  claimDueSchedules(input: ClaimSchedulesInput): Promise<Schedule[]>;
  /**
   * Records one fire and, unless refused, creates its run — in one transaction, so a
   * fire time makes at most one run however many processes try: the second attempt at
   * the same (schedule, fire time) is a `duplicate`.
   */
  recordScheduleFire(input: RecordFireInput): Promise<RecordFireResult>;
  /** Sets the next fire time and ends `workerId`'s claim; false when the claim was lost (edited, deleted, expired). */
  releaseSchedule(scheduleId: string, workerId: string, nextFireAt: number | null): Promise<boolean>;
  /** Newest fire time first. */
  listScheduleFires(workspaceId: number, scheduleId: string, query: { page: number; limit: number }): Promise<{ items: ScheduleFire[]; total: number }>;
  /** Deletes fires recorded before `before` (retention); returns how many. */
  deleteScheduleFiresBefore(before: number): Promise<number>;
}
