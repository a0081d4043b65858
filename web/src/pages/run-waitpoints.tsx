import type { WaitpointResponse } from '../../../src/api/waitpoint-schemas.js';
import { useApp } from '../app-context.js';
import { Link } from '../components/link.js';
import { ErrorBox } from '../components/states.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatDate } from '../format.js';
import { useAsync } from '../use-async.js';

const when = (w: WaitpointResponse) => w.completed_at ?? w.created_at;

/**
 * The run page's waitpoints (SPEC §7): kind, status, decision, who and when, oldest first;
 * an OPEN approval links to its approval page. Reloaded on every change of the run's events.
 * Nothing is shown for a run that never waited.
 */
export function RunWaitpoints({ runId, changes }: { runId: string; changes: number }) {
  const { client } = useApp();
  const waitpoints = useAsync(() => client.listRunWaitpoints(runId), [runId, changes], { keepDataOnChange: true });
  if (waitpoints.error && !waitpoints.data) return <ErrorBox error={waitpoints.error} onRetry={waitpoints.reload} />;
  const rows = waitpoints.data?.data ?? [];
  if (rows.length === 0) return null;
  return (
    <section class="card" aria-labelledby="waitpoints-heading">
      <h2 id="waitpoints-heading">Waitpoints</h2>
      <table class="table waitpoints-table">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Kind</th>
            <th scope="col">Status</th>
            <th scope="col">Decision</th>
            <th scope="col">By</th>
            <th scope="col">When</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((w) => (
            <tr key={w.waitpoint_id} data-waitpoint-id={w.waitpoint_id}>
              <td>
                <code>{w.step_id}</code>
                {w.prompt ? <div class="muted small">{w.prompt}</div> : null}
                {w.event ? <div class="muted small">event {w.event}</div> : null}
              </td>
              <td>{w.kind}</td>
              <td>
                <StatusBadge status={w.status} />
              </td>
              <td>
                {w.decision ?? '—'}
                {w.status === 'OPEN' && w.kind === 'approval' ? (
                  <>
                    {' '}
                    <Link href={`/approvals/${encodeURIComponent(w.waitpoint_id)}`}>Approve or reject</Link>
                  </>
                ) : null}
              </td>
              <td>{w.completed_by ?? '—'}</td>
              <td title={when(w)}>{w.completed_at ? formatDate(w.completed_at) : `opened ${formatDate(w.created_at)}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.some((w) => w.notify_error) ? (
        <p class="muted small">
          Notify failed: {rows.filter((w) => w.notify_error).map((w) => `${w.step_id}: ${w.notify_error}`).join('; ')}
        </p>
      ) : null}
    </section>
  );
}
