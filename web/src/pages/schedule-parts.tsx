import type { Schedule } from '../../../src/api/schedule-schemas.js';
import { Link } from '../components/link.js';

/** Pieces the Schedules page, a schedule's page and a workflow's page share. */

/** A time as people in the schedule's zone read it, e.g. "Mon, Mar 30, 2026, 06:00 GMT+2". */
export function formatInZone(iso: string | null | undefined, timezone: string): string {
  if (!iso) return '—';
  try {
    return new Date(iso).toLocaleString(undefined, {
      timeZone: timezone,
      weekday: 'short',
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
  } catch {
    return iso;
  }
}

export function scheduleLabel(schedule: Schedule): string {
  return schedule.definition_id ?? `${schedule.schedule_id.slice(0, 8)}…`;
}

/** The list of schedules: workflow, calendar, next fire time in the schedule's zone, state. */
export function SchedulesTable({ schedules, showWorkflow }: { schedules: Schedule[]; showWorkflow: boolean }) {
  return (
    <div class="table-wrap">
      <table class="schedules-table">
        <thead>
          <tr>
            <th scope="col">Schedule</th>
            {showWorkflow ? <th scope="col">Workflow</th> : null}
            <th scope="col">Cron</th>
            <th scope="col">Next fire</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {schedules.map((s) => (
            <tr key={s.schedule_id} data-schedule-id={s.schedule_id}>
              <td>
                <Link href={`/schedules/${encodeURIComponent(s.schedule_id)}`} class="mono" aria-label={`Schedule ${scheduleLabel(s)}`}>
                  {scheduleLabel(s)}
                </Link>
                {s.source === 'definition' ? <div class="muted small">from the workflow file</div> : null}
              </td>
              {showWorkflow ? (
                <td>
                  <Link href={`/workflows/${encodeURIComponent(s.workflow_id)}`}>{s.workflow_id}</Link>
                </td>
              ) : null}
              <td>
                <code>{s.cron}</code>
                <div class="muted small">{s.timezone}</div>
              </td>
              <td data-testid="next-fire" title={s.next_fire_at ?? ''}>
                {s.paused ? '—' : formatInZone(s.next_fire_at, s.timezone)}
              </td>
              <td>{s.paused ? <span class="badge status-canceled">paused</span> : <span class="badge status-published">active</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
