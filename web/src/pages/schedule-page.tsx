import { useState } from 'preact/hooks';
import { useApp } from '../app-context.js';
import { Link } from '../components/link.js';
import { Pagination } from '../components/pagination.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { formatDate } from '../format.js';
import { navigate } from '../router.js';
import { useAsync } from '../use-async.js';
import { formatInZone, scheduleLabel } from './schedule-parts.js';

const FIRES_PAGE_SIZE = 20;

/** One schedule: its calendar and upcoming times, pause/resume/trigger/delete, and its fires with links to their runs. */
export function SchedulePage({ scheduleId }: { scheduleId: string }) {
  const { client } = useApp();
  const [firesPage, setFiresPage] = useState(1);
  const schedule = useAsync(() => client.getSchedule(scheduleId), [scheduleId], { pollMs: 5000 });
  const fires = useAsync(() => client.listScheduleFires(scheduleId, { page: firesPage, limit: FIRES_PAGE_SIZE }), [scheduleId, firesPage], { pollMs: 3000 });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const act = async (work: () => Promise<string | null>) => {
    setBusy(true);
    setError(null);
    try {
      setNotice(await work());
      schedule.reload();
      fires.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (schedule.error && !schedule.data) {
    return (
      <section>
        <p class="crumbs"><Link href="/schedules">← Schedules</Link></p>
        <h1>Schedule</h1>
        <ErrorBox error={schedule.error} onRetry={schedule.reload} />
      </section>
    );
  }
  if (!schedule.data) return <Loading label="Loading schedule…" />;
  const s = schedule.data;
  const managed = s.source === 'definition';

  return (
    <section class="schedule-page">
      <p class="crumbs"><Link href="/schedules">← Schedules</Link></p>
      <div class="page-head">
        <div>
          <h1>Schedule {scheduleLabel(s)}</h1>
          <p class="meta">
            {s.paused ? <span class="badge status-canceled">paused</span> : <span class="badge status-published">active</span>}
            <span>of <Link href={`/workflows/${encodeURIComponent(s.workflow_id)}`}>{s.workflow_id}</Link></span>
            <span>id <code>{s.schedule_id}</code></span>
          </p>
        </div>
      </div>
      {managed ? <p class="muted">Declared in the workflow's file (<code>schedules: {s.definition_id}</code>): change it there and publish. Pause and resume work here.</p> : null}
      <div class="actions">
        {s.paused ? (
          <button type="button" class="button" disabled={busy} onClick={() => act(async () => (await client.resumeSchedule(s.schedule_id), 'Resumed.'))}>Resume</button>
        ) : (
          <button type="button" class="button" disabled={busy} onClick={() => act(async () => (await client.pauseSchedule(s.schedule_id), 'Paused.'))}>Pause</button>
        )}
        <button type="button" class="button" disabled={busy} onClick={() => act(async () => {
          const { fire } = await client.triggerSchedule(s.schedule_id);
          return `Fired now: ${fire.outcome}.`;
        })}>Trigger now</button>
        {!managed ? (
          <button type="button" class="button danger" disabled={busy} onClick={() => {
            if (!confirm('Delete this schedule? Its runs stay.')) return;
            void act(async () => {
              await client.deleteSchedule(s.schedule_id);
              navigate('/schedules');
              return null;
            });
          }}>Delete</button>
        ) : null}
      </div>
      {notice ? <p role="status" class="notice">{notice}</p> : null}
      {error ? <ErrorBox error={error} /> : null}

      <div class="columns">
        <div class="column-main">
          <section class="card" aria-labelledby="fires-heading">
            <h2 id="fires-heading">Fires</h2>
            {fires.error ? <ErrorBox error={fires.error} onRetry={fires.reload} /> : null}
            {fires.loading && !fires.data ? <Loading /> : null}
            {fires.data && fires.data.data.length === 0 ? <Empty>No fires yet.</Empty> : null}
            {fires.data && fires.data.data.length > 0 ? (
              <div class="table-wrap">
                <table class="fires-table">
                  <thead>
                    <tr><th scope="col">Fire time</th><th scope="col">Outcome</th><th scope="col">Run</th></tr>
                  </thead>
                  <tbody>
                    {fires.data.data.map((f) => (
                      <tr key={f.fire_at} data-outcome={f.outcome}>
                        <td title={f.fire_at}>{formatInZone(f.fire_at, s.timezone)}</td>
                        <td><span class={`badge ${f.outcome === 'created' ? 'status-completed' : 'status-failed'}`}>{f.outcome.replace(/_/g, ' ')}</span></td>
                        <td>{f.run_id ? <Link href={`/runs/${encodeURIComponent(f.run_id)}`} class="mono">{f.run_id.slice(0, 8)}…</Link> : '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
            {fires.data ? <Pagination page={fires.data.pagination.page} totalPages={fires.data.pagination.totalPages} total={fires.data.pagination.total} onPage={setFiresPage} /> : null}
          </section>
        </div>
        <aside class="column-side">
          <section class="card" aria-labelledby="calendar-heading">
            <h2 id="calendar-heading">Calendar</h2>
            <dl class="facts">
              <dt>Cron</dt><dd><code>{s.cron}</code></dd>
              <dt>Time zone</dt><dd>{s.timezone}</dd>
              <dt>Overlap</dt><dd>{s.overlap}</dd>
              <dt>Catch-up</dt><dd>{s.catchup}</dd>
              <dt>Last fire</dt><dd title={s.last_fire_at ?? ''}>{formatInZone(s.last_fire_at, s.timezone)}</dd>
              <dt>Created</dt><dd title={s.created_at}>{formatDate(s.created_at)}</dd>
            </dl>
            <h3 class="small">Upcoming</h3>
            {(s.upcoming ?? []).length === 0 ? <p class="muted small">{s.paused ? 'Paused: no fires.' : 'No upcoming fire time.'}</p> : (
              <ol class="upcoming" data-testid="upcoming">
                {(s.upcoming ?? []).map((t) => <li key={t} title={t}>{formatInZone(t, s.timezone)}</li>)}
              </ol>
            )}
            <h3 class="small">Inputs</h3>
            <pre class="json">{JSON.stringify(s.inputs, null, 2)}</pre>
          </section>
        </aside>
      </div>
    </section>
  );
}
