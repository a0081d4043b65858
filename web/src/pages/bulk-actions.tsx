import { useState } from 'preact/hooks';
import type { BulkRunsBody, BulkRunsResponse } from '../../../src/api/run-control-schemas.js';
import { useApp } from '../app-context.js';
import { ErrorBox } from '../components/states.js';

type Action = BulkRunsBody['action'];
type Filter = BulkRunsBody['filter'];

const ACTIONS: { value: Action; label: string }[] = [
  { value: 'cancel', label: 'Cancel (queued runs)' },
  { value: 'abort', label: 'Abort (queued or running)' },
  { value: 'replay', label: 'Replay (finished runs)' },
];

/**
 * Bulk cancel / abort / replay on the runs list (SPEC §11): the runs ticked on this page, or
 * every run matching the list's filters. A dry run counts them first; only then can it apply.
 * The outcome goes to `onDone` and the page shows it (`BulkResultNotice`), since the action may
 * empty the list this form stands under.
 */
export function BulkActions({ selected, filter, onDone, onChange }: { selected: string[]; filter: Filter; onDone: (result: BulkRunsResponse) => void; onChange: () => void }) {
  const { client } = useApp();
  const [scope, setScope] = useState<'selected' | 'filter'>('selected');
  const [action, setAction] = useState<Action>('cancel');
  const [preview, setPreview] = useState<BulkRunsResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const body = (dryRun: boolean): BulkRunsBody => ({
    action,
    filter: scope === 'selected' ? { run_ids: selected } : Object.keys(filter).length > 0 ? filter : { all: true },
    dry_run: dryRun,
  });
  const send = async (dryRun: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const answer = await client.bulkRuns(body(dryRun));
      if (dryRun) setPreview(answer);
      else {
        setPreview(null);
        onDone(answer);
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const reset = () => {
    setPreview(null);
    onChange();
  };
  const nothing = scope === 'selected' && selected.length === 0;

  return (
    <section class="card bulk-actions" aria-labelledby="bulk-heading">
      <h2 id="bulk-heading">Act on several runs</h2>
      <div class="form-row">
        <fieldset class="field">
          <legend>Runs</legend>
          <label class="checkbox">
            <input type="radio" name="bulk-scope" checked={scope === 'selected'} onChange={() => { setScope('selected'); reset(); }} /> {selected.length} selected on this page
          </label>
          <label class="checkbox">
            <input type="radio" name="bulk-scope" checked={scope === 'filter'} onChange={() => { setScope('filter'); reset(); }} /> all matching this filter
          </label>
        </fieldset>
        <div class="field">
          <label for="bulk-action">Action</label>
          <select id="bulk-action" value={action} onChange={(e) => { setAction((e.target as HTMLSelectElement).value as Action); reset(); }}>
            {ACTIONS.map((a) => <option key={a.value} value={a.value}>{a.label}</option>)}
          </select>
        </div>
        <div class="field field-button">
          <button type="button" class="button" disabled={busy || nothing} onClick={() => send(true)}>Count (dry run)</button>
        </div>
      </div>
      {preview ? (
        <div class="bulk-preview" role="status">
          <p>
            {preview.matched} run{preview.matched === 1 ? '' : 's'} match; {preview.matched - preview.refused} would be changed
            {preview.refused > 0 ? `, ${preview.refused} refused (not in a state this action applies to)` : ''}.
          </p>
          <button type="button" class="button danger" disabled={busy || preview.matched - preview.refused === 0} onClick={() => send(false)}>
            {action.charAt(0).toUpperCase() + action.slice(1)} {preview.matched - preview.refused} run{preview.matched - preview.refused === 1 ? '' : 's'}
          </button>
        </div>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
    </section>
  );
}

/** What the last bulk action did, shown by the runs page whether or not runs are left in its list. */
export function BulkResultNotice({ result }: { result: BulkRunsResponse }) {
  return <p role="status" class="notice">Done: {result.affected} changed, {result.refused} refused.</p>;
}
