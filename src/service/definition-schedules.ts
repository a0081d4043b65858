import type { Clock } from '../core/clock.js';
import { newUuid } from '../core/ids.js';
import { ScheduleSource, type Schedule } from '../store/schedule-store.js';
import type { Store } from '../store/store.js';
import { parseCronCalendar } from '../workflow/cron-calendar.js';
import type { WorkflowDefinition } from '../workflow/definition.js';

/** More than a workflow file may declare (100), so one read sees all of its definition schedules. */
const MAX_SCHEDULES_PER_WORKFLOW = 1000;

/** A new schedule's opaque id. */
export function newScheduleId(): string {
  return newUuid();
}

/** The first fire time strictly after `after`, or null (paused, or a calendar that never fires). */
export function firstFireAfter(schedule: Pick<Schedule, 'cron' | 'timezone' | 'paused'>, after: number): number | null {
  if (schedule.paused) return null;
  const parsed = parseCronCalendar(schedule.cron, schedule.timezone);
  return parsed.ok ? (parsed.calendar.next(after, 1)[0] ?? null) : null;
}

/**
 * Publishing a workflow file makes its `schedules:` the workflow's `definition`
 * schedules (SPEC §8): new ids are created, changed ones updated (a changed calendar
 * starts from now), those no longer in the file deleted. A pause set through the API
 * survives a publish. The definition was checked when it was parsed (cron, zone, inputs).
 */
export function createDefinitionScheduleSync(deps: { store: Store; clock: Clock }) {
  return async function syncDefinitionSchedules(workspaceId: number, workflowId: string, definition: WorkflowDefinition): Promise<void> {
    const now = deps.clock.now();
    const current = await deps.store.listSchedules(workspaceId, { workflowId, page: 1, limit: MAX_SCHEDULES_PER_WORKFLOW });
    const byDefinitionId = new Map(current.items.filter((s) => s.source === ScheduleSource.DEFINITION).map((s) => [s.definitionId, s]));
    const desired = (definition.schedules ?? []).map((declared): Schedule => {
      const previous = byDefinitionId.get(declared.id);
      const fields = {
        cron: declared.cron,
        timezone: declared.timezone ?? 'UTC',
        inputs: declared.inputs ?? {},
        metadata: declared.metadata ?? null,
        overlap: declared.overlap ?? 'skip',
        catchup: declared.catchup ?? 'none',
      };
      const paused = previous?.paused ?? false;
      const calendarChanged = !previous || previous.cron !== fields.cron || previous.timezone !== fields.timezone;
      const changed = calendarChanged || JSON.stringify(fieldsOf(previous)) !== JSON.stringify(fields);
      return {
        id: previous?.id ?? newScheduleId(),
        workspaceId,
        workflowId,
        definitionId: declared.id,
        source: ScheduleSource.DEFINITION,
        ...fields,
        paused,
        nextFireAt: calendarChanged ? firstFireAfter({ ...fields, paused }, now) : previous.nextFireAt,
        lastFireAt: previous?.lastFireAt ?? null,
        createdAt: previous?.createdAt ?? now,
        updatedAt: changed ? now : previous.updatedAt,
      };
    });
    await deps.store.replaceDefinitionSchedules(workspaceId, workflowId, desired);
  };
}

function fieldsOf(schedule: Schedule) {
  const { cron, timezone, inputs, metadata, overlap, catchup } = schedule;
  return { cron, timezone, inputs, metadata, overlap, catchup };
}

export type SyncDefinitionSchedules = ReturnType<typeof createDefinitionScheduleSync>;
