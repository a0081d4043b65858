import type * as Wire from '../api/schedule-schemas.js';
import { toIso, toIsoOrNull } from '../core/clock.js';
import type { ScheduleView } from '../service/schedules-service.js';
import type { Schedule, ScheduleFire } from '../store/schedule-store.js';

/** Schedules and fires as the API shows them (snake_case, like runs). */

export function toScheduleResponse(schedule: Schedule, upcoming?: number[]): Wire.Schedule {
  return {
    schedule_id: schedule.id,
    workflow_id: schedule.workflowId,
    definition_id: schedule.definitionId,
    cron: schedule.cron,
    timezone: schedule.timezone,
    inputs: schedule.inputs,
    metadata: schedule.metadata,
    overlap: schedule.overlap,
    catchup: schedule.catchup,
    paused: schedule.paused,
    source: schedule.source,
    next_fire_at: toIsoOrNull(schedule.nextFireAt),
    last_fire_at: toIsoOrNull(schedule.lastFireAt),
    created_at: toIso(schedule.createdAt),
    updated_at: toIso(schedule.updatedAt),
    ...(upcoming !== undefined && { upcoming: upcoming.map(toIso) }),
  };
}

/** A schedule with its `upcoming` fire times (answers about one schedule). */
export function toScheduleDetail(view: ScheduleView): Wire.Schedule {
  return toScheduleResponse(view.schedule, view.upcoming);
}

export function toScheduleFireResponse(fire: ScheduleFire): Wire.ScheduleFire {
  return { fire_at: toIso(fire.fireAt), run_id: fire.runId, outcome: fire.outcome, created_at: toIso(fire.createdAt) };
}
