import { useEffect, useState } from 'preact/hooks';
import type { Schedule } from '../../../src/api/schedule-schemas.js';
import { useApp } from '../app-context.js';
import { Pagination } from '../components/pagination.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { navigate, setQuery, useLocation } from '../router.js';
import { SlipwayApiError } from '../session.js';
import { useAsync } from '../use-async.js';
import { formatInZone, SchedulesTable } from './schedule-parts.js';

const PAGE_SIZE = 20;
const PREVIEW_DELAY_MS = 250;

/** All schedules of the workspace with their next fire time, and a form to create one. */
export function SchedulesPage() {
  const { client } = useApp();
  const { query } = useLocation();
  const page = Number(query.get('page') ?? '1') || 1;
  const list = useAsync(() => client.listSchedules({ page, limit: PAGE_SIZE }), [page], { pollMs: 5000 });

  return (
    <section>
      <div class="page-head">
        <h1>Schedules</h1>
      </div>
      <p class="muted">Schedules start runs of a workflow on a cron calendar, in the time zone you choose.</p>
      <CreateScheduleForm onCreated={(s) => navigate(`/schedules/${encodeURIComponent(s.schedule_id)}`)} />
      <section class="card" aria-labelledby="schedules-heading">
        <h2 id="schedules-heading">Schedules of this workspace</h2>
        {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
        {list.loading && !list.data ? <Loading label="Loading schedules…" /> : null}
        {list.data && list.data.data.length === 0 ? <Empty>No schedules yet.</Empty> : null}
        {list.data && list.data.data.length > 0 ? <SchedulesTable schedules={list.data.data} showWorkflow /> : null}
        {list.data ? (
          <Pagination
            page={list.data.pagination.page}
            totalPages={list.data.pagination.totalPages}
            total={list.data.pagination.total}
            onPage={(p) => setQuery({ page: String(p) })}
          />
        ) : null}
      </section>
    </section>
  );
}

type FieldErrors = Partial<Record<'workflow' | 'cron' | 'timezone' | 'inputs', string>>;

/** Create form; the next 5 fire times are previewed (by the server's rules) as the cron and zone are typed. */
function CreateScheduleForm({ onCreated }: { onCreated: (schedule: Schedule) => void }) {
  const { client } = useApp();
  const workflows = useAsync(() => client.listWorkflows({ limit: 100 }), []);
  const [workflowId, setWorkflowId] = useState('');
  const [cron, setCron] = useState('0 6 * * MON-FRI');
  const [timezone, setTimezone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [inputs, setInputs] = useState('{}');
  const [overlap, setOverlap] = useState<'skip' | 'allow'>('skip');
  const [catchup, setCatchup] = useState<'none' | 'last' | 'all'>('none');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<{ upcoming: string[] } | { problem: string } | null>(null);

  useEffect(() => {
    if (!workflowId && workflows.data?.data[0]) setWorkflowId(workflows.data.data[0]._id);
  }, [workflows.data]);

  useEffect(() => {
    let active = true;
    const timer = setTimeout(() => {
      client.previewSchedule(cron, timezone || 'UTC').then(
        (answer) => active && setPreview({ upcoming: answer.upcoming }),
        (e: unknown) => active && setPreview({ problem: e instanceof SlipwayApiError ? (e.body.details?.[0]?.message ?? e.body.message) : String(e) }),
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      active = false;
      clearTimeout(timer);
    };
  }, [cron, timezone]);

  const submit = async (event: Event) => {
    event.preventDefault();
    setErrors({});
    setError(null);
    let parsedInputs: Record<string, unknown>;
    try {
      parsedInputs = JSON.parse(inputs || '{}') as Record<string, unknown>;
    } catch {
      setErrors({ inputs: 'Inputs must be a JSON object, e.g. {"topic": "sales"}.' });
      return;
    }
    if (!workflowId) {
      setErrors({ workflow: 'Choose a workflow.' });
      return;
    }
    setBusy(true);
    try {
      onCreated(await client.createSchedule({ workflow_id: workflowId, cron, timezone: timezone || 'UTC', inputs: parsedInputs, overlap, catchup }));
    } catch (e) {
      const details = e instanceof SlipwayApiError ? (e.body.details ?? []) : [];
      const found: FieldErrors = {};
      for (const d of details) {
        if (d.path.endsWith('cron')) found.cron = d.message;
        else if (d.path.endsWith('timezone')) found.timezone = d.message;
        else if (d.path.startsWith('inputs')) found.inputs = `${found.inputs ? `${found.inputs}; ` : ''}${d.path}: ${d.message}`;
      }
      if (Object.keys(found).length > 0) setErrors(found);
      else setError(e);
    } finally {
      setBusy(false);
    }
  };

  const field = (id: keyof FieldErrors) => ({ 'aria-invalid': errors[id] ? true : undefined, 'aria-describedby': errors[id] ? `schedule-${id}-error` : undefined });
  const fieldError = (id: keyof FieldErrors) => (errors[id] ? <p class="field-error" id={`schedule-${id}-error`}>{errors[id]}</p> : null);

  return (
    <form class="card schedule-form" onSubmit={submit} noValidate aria-labelledby="create-schedule-heading">
      <h2 id="create-schedule-heading">Create a schedule</h2>
      <div class="form-row">
        <div class={`field${errors.workflow ? ' has-error' : ''}`}>
          <label for="schedule-workflow">Workflow</label>
          <select id="schedule-workflow" value={workflowId} onChange={(e) => setWorkflowId((e.target as HTMLSelectElement).value)} {...field('workflow')}>
            {(workflows.data?.data ?? []).map((w) => (
              <option key={w._id} value={w._id}>
                {w.name} ({w._id})
              </option>
            ))}
          </select>
          {fieldError('workflow')}
        </div>
        <div class={`field${errors.cron ? ' has-error' : ''}`}>
          <label for="schedule-cron">Cron</label>
          <input id="schedule-cron" value={cron} class="mono" onInput={(e) => setCron((e.target as HTMLInputElement).value)} {...field('cron')} />
          {fieldError('cron')}
        </div>
        <div class={`field${errors.timezone ? ' has-error' : ''}`}>
          <label for="schedule-timezone">Time zone</label>
          <input id="schedule-timezone" value={timezone} placeholder="UTC" onInput={(e) => setTimezone((e.target as HTMLInputElement).value)} {...field('timezone')} />
          {fieldError('timezone')}
        </div>
      </div>
      <div class="form-row">
        <div class={`field${errors.inputs ? ' has-error' : ''}`}>
          <label for="schedule-inputs">Inputs (JSON)</label>
          <textarea id="schedule-inputs" rows={3} class="mono" value={inputs} onInput={(e) => setInputs((e.target as HTMLTextAreaElement).value)} {...field('inputs')} />
          {fieldError('inputs')}
        </div>
        <div class="field">
          <label for="schedule-overlap">While a run of it is active</label>
          <select id="schedule-overlap" value={overlap} onChange={(e) => setOverlap((e.target as HTMLSelectElement).value as typeof overlap)}>
            <option value="skip">skip the fire</option>
            <option value="allow">fire anyway</option>
          </select>
        </div>
        <div class="field">
          <label for="schedule-catchup">After downtime</label>
          <select id="schedule-catchup" value={catchup} onChange={(e) => setCatchup((e.target as HTMLSelectElement).value as typeof catchup)}>
            <option value="none">skip missed times</option>
            <option value="last">fire the latest missed time</option>
            <option value="all">fire every missed time (up to 100)</option>
          </select>
        </div>
      </div>
      <div class="preview" aria-live="polite" data-testid="schedule-preview">
        <h3 class="small">Next fire times</h3>
        {preview === null ? <p class="muted small">…</p> : null}
        {preview && 'problem' in preview ? <p class="field-error">{preview.problem}</p> : null}
        {preview && 'upcoming' in preview ? (
          preview.upcoming.length === 0 ? <p class="muted small">This calendar never fires.</p> : (
            <ol class="upcoming">
              {preview.upcoming.map((t) => <li key={t} title={t}>{formatInZone(t, timezone || 'UTC')}</li>)}
            </ol>
          )
        ) : null}
      </div>
      <button type="submit" class="button primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create schedule'}
      </button>
      {error ? <ErrorBox error={error} /> : null}
    </form>
  );
}
