import type { Clock } from '../core/clock.js';
import { assertNever } from '../core/assert-never.js';
import { AppError, type ErrorDetail } from '../core/errors.js';
import {
  FireOutcome, ScheduleSource, type FireAttempt, type RecordFireResult, type Schedule, type ScheduleCatchup, type ScheduleFire,
  type ScheduleOverlap,
} from '../store/schedule-store.js';
import type { Store } from '../store/store.js';
import { parseCronCalendar } from '../workflow/cron-calendar.js';
import { firstFireAfter, newScheduleId } from './definition-schedules.js';
import { newRunOf, prepareRun } from './queue-run.js';
import type { WorkflowsService } from './workflows-service.js';

/** How many fire times `GET /schedules/{id}` shows as `upcoming`. */
export const UPCOMING_COUNT = 5;
const MAX_METADATA_BYTES = 16 * 1024;

/** The fields a schedule request may set; absent ones keep their value (PATCH) or take the default (POST). */
export interface ScheduleChanges {
  cron?: string;
  timezone?: string;
  inputs?: Record<string, unknown>;
  metadata?: Record<string, unknown> | null;
  overlap?: ScheduleOverlap;
  catchup?: ScheduleCatchup;
  paused?: boolean;
}

export interface ScheduleView {
  schedule: Schedule;
  /** The next fire times (none while paused). */
  upcoming: number[];
}

/** Schedules through the API (SPEC §8), and the one way a fire becomes a run (the firer and `trigger` both use `fire`). */
export function createSchedulesService(deps: { store: Store; clock: Clock; workflows: WorkflowsService }) {
  const { store, clock } = deps;

  async function requireSchedule(workspaceId: number, scheduleId: string): Promise<Schedule> {
    const schedule = await store.getSchedule(workspaceId, scheduleId);
    if (!schedule) throw new AppError('not_found', `No schedule "${scheduleId}" in this workspace.`);
    return schedule;
  }

  function refuseDefinitionEdit(schedule: Schedule) {
    if (schedule.source === ScheduleSource.DEFINITION) {
      throw new AppError('schedule_managed_by_definition',
        `Schedule "${schedule.definitionId}" is declared in the file of workflow "${schedule.workflowId}": change the file and publish it (pause and resume work here).`);
    }
  }

  /** Cron, zone, metadata size and — when the workflow is published — inputs; errors name the field. */
  async function check(schedule: Schedule): Promise<void> {
    const parsed = parseCronCalendar(schedule.cron, schedule.timezone);
    if (!parsed.ok) {
      throw new AppError('invalid_request', `The ${parsed.field} is not valid.`, { details: [{ path: `body.${parsed.field}`, message: parsed.message }] });
    }
    if (schedule.metadata !== null && Buffer.byteLength(JSON.stringify(schedule.metadata)) > MAX_METADATA_BYTES) {
      throw new AppError('invalid_request', `metadata must be at most ${MAX_METADATA_BYTES} bytes as JSON.`, { details: [{ path: 'body.metadata', message: 'is too large' }] });
    }
    const prepared = await prepareRun(deps, { workspaceId: schedule.workspaceId, workflowId: schedule.workflowId, inputs: schedule.inputs, metadata: schedule.metadata });
    switch (prepared.kind) {
      case 'workflow_not_found':
        throw new AppError('not_found', `No workflow "${schedule.workflowId}" in this workspace.`);
      case 'invalid_inputs':
        throw new AppError('invalid_inputs', 'The inputs do not match the workflow\'s input schema.', { details: prepared.details });
      case 'workflow_not_published': // checked at fire time (workflow_not_published until it is)
      case 'prepared':
        return;
      default:
        assertNever(prepared);
    }
  }

  function view(schedule: Schedule): ScheduleView {
    const parsed = parseCronCalendar(schedule.cron, schedule.timezone);
    const upcoming = schedule.paused || !parsed.ok ? [] : parsed.calendar.next(clock.now(), UPCOMING_COUNT);
    return { schedule, upcoming };
  }

  async function createSchedule(workspaceId: number, workflowId: string, changes: ScheduleChanges): Promise<ScheduleView> {
    const now = clock.now();
    const schedule: Schedule = {
      id: newScheduleId(),
      workspaceId,
      workflowId,
      definitionId: null,
      source: ScheduleSource.API,
      cron: changes.cron ?? '',
      timezone: changes.timezone ?? 'UTC',
      inputs: changes.inputs ?? {},
      metadata: changes.metadata ?? null,
      overlap: changes.overlap ?? 'skip',
      catchup: changes.catchup ?? 'none',
      paused: changes.paused ?? false,
      nextFireAt: null,
      lastFireAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await check(schedule);
    schedule.nextFireAt = firstFireAfter(schedule, now);
    await store.createSchedule(schedule);
    return view(schedule);
  }

  async function updateSchedule(workspaceId: number, scheduleId: string, changes: ScheduleChanges): Promise<ScheduleView> {
    const current = await requireSchedule(workspaceId, scheduleId);
    refuseDefinitionEdit(current);
    const now = clock.now();
    const next: Schedule = { ...current, ...definedOnly(changes), updatedAt: now };
    await check(next);
    const calendarChanged = next.cron !== current.cron || next.timezone !== current.timezone || next.paused !== current.paused;
    if (calendarChanged) next.nextFireAt = firstFireAfter(next, now);
    if (!(await store.updateSchedule(next))) throw new AppError('not_found', `No schedule "${scheduleId}" in this workspace.`);
    return view(next);
  }

  /** Pause and resume are allowed on definition schedules too; resuming starts from now (no catch-up of the pause). */
  async function setPaused(workspaceId: number, scheduleId: string, paused: boolean): Promise<ScheduleView> {
    const current = await requireSchedule(workspaceId, scheduleId);
    if (current.paused === paused) return view(current);
    const now = clock.now();
    const next: Schedule = { ...current, paused, updatedAt: now };
    next.nextFireAt = firstFireAfter(next, now);
    if (!(await store.updateSchedule(next))) throw new AppError('not_found', `No schedule "${scheduleId}" in this workspace.`);
    return view(next);
  }

  async function deleteSchedule(workspaceId: number, scheduleId: string): Promise<void> {
    refuseDefinitionEdit(await requireSchedule(workspaceId, scheduleId));
    if (!(await store.deleteSchedule(workspaceId, scheduleId))) throw new AppError('not_found', `No schedule "${scheduleId}" in this workspace.`);
  }

  /** The run a fire would create, prepared like any run (`prepareRun`) at this moment; or why there is none. */
  async function prepareFire(schedule: Schedule, fireAt: number): Promise<FireAttempt> {
    const prepared = await prepareRun(deps, { workspaceId: schedule.workspaceId, workflowId: schedule.workflowId, inputs: schedule.inputs, metadata: schedule.metadata });
    switch (prepared.kind) {
      case 'prepared': {
        const trigger = { kind: 'schedule' as const, scheduleId: schedule.id, fireAt };
        return { kind: 'create', run: newRunOf(clock, { workspaceId: schedule.workspaceId, metadata: schedule.metadata, idempotencyKey: null, trigger }, prepared) };
      }
      case 'workflow_not_found':
      case 'workflow_not_published':
        return { kind: 'refused', outcome: FireOutcome.WORKFLOW_NOT_PUBLISHED };
      case 'invalid_inputs':
        return { kind: 'refused', outcome: FireOutcome.INVALID_INPUTS };
      default:
        return assertNever(prepared);
    }
  }

  /**
   * Fires `schedule` for `fireAt`: records the fire and creates its run in one store
   * transaction (a second attempt at the same time is a `duplicate`). `overlapsLaterFire`
   * marks catch-up fires that a later missed fire supersedes (overlap `skip`).
   */
  async function fire(schedule: Schedule, fireAt: number, overlapsLaterFire = false): Promise<RecordFireResult> {
    return store.recordScheduleFire({
      scheduleId: schedule.id,
      workspaceId: schedule.workspaceId,
      fireAt,
      now: clock.now(),
      overlap: schedule.overlap,
      overlapsLaterFire,
      attempt: await prepareFire(schedule, fireAt),
    });
  }

  /** `POST /schedules/{id}/trigger`: fires now, paused or not (overlap and limits apply). */
  async function triggerSchedule(workspaceId: number, scheduleId: string): Promise<ScheduleView & { fire: ScheduleFire }> {
    const schedule = await requireSchedule(workspaceId, scheduleId);
    const result = await fire(schedule, clock.now());
    switch (result.kind) {
      case 'recorded':
      case 'duplicate':
        return { ...view((await store.getSchedule(workspaceId, scheduleId)) ?? schedule), fire: result.fire };
      case 'schedule_gone':
        throw new AppError('not_found', `No schedule "${scheduleId}" in this workspace.`);
    }
  }

  /** The next fire times of a calendar, for the dashboard's live preview; errors as on save. */
  function preview(cron: string, timezone: string, count = UPCOMING_COUNT): number[] {
    const parsed = parseCronCalendar(cron, timezone);
    if (!parsed.ok) {
      const details: ErrorDetail[] = [{ path: `query.${parsed.field}`, message: parsed.message }];
      throw new AppError('invalid_request', `The ${parsed.field} is not valid.`, { details });
    }
    return parsed.calendar.next(clock.now(), count);
  }

  return {
    createSchedule,
    updateSchedule,
    deleteSchedule,
    pauseSchedule: (workspaceId: number, scheduleId: string) => setPaused(workspaceId, scheduleId, true),
    resumeSchedule: (workspaceId: number, scheduleId: string) => setPaused(workspaceId, scheduleId, false),
    triggerSchedule,
    fire,
    preview,
    getSchedule: async (workspaceId: number, scheduleId: string) => view(await requireSchedule(workspaceId, scheduleId)),
    listSchedules: async (workspaceId: number, query: { workflowId?: string; page: number; limit: number }) => {
      const { items, total } = await store.listSchedules(workspaceId, query);
      return { items: items.map(view), total };
    },
    listFires: async (workspaceId: number, scheduleId: string, query: { page: number; limit: number }) => {
      await requireSchedule(workspaceId, scheduleId);
      return store.listScheduleFires(workspaceId, scheduleId, query);
    },
  };
}

function definedOnly(changes: ScheduleChanges): Partial<Schedule> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<Schedule>;
}

export type SchedulesService = ReturnType<typeof createSchedulesService>;
