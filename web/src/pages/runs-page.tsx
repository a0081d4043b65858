import { useState } from 'preact/hooks';
import type { RunWithDetails } from '../../../src/api/schemas.js';
import type { BulkRunsResponse } from '../../../src/api/run-control-schemas.js';
import { useApp } from '../app-context.js';
import { Link } from '../components/link.js';
import { Pagination } from '../components/pagination.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { StatusBadge } from '../components/status-badge.js';
import { waitingLabel } from '../components/waiting-reason.js';
import { formatDuration, formatRelative, RUN_STATUSES } from '../format.js';
import { setQuery, useLocation } from '../router.js';
import { useAsync } from '../use-async.js';
import { BulkActions, BulkResultNotice } from './bulk-actions.js';
import { RetentionNote } from './retention-note.js';

const PAGE_SIZE = 20;
/** Live updates: the list is polled while the page is open (the API has no push channel). */
const POLL_MS = 2000;

/** All runs of the workspace, newest first, with status and workflow filters kept in the URL. */
export function RunsPage() {
  const { client } = useApp();
  const { query } = useLocation();
  const status = query.get('status') ?? '';
  const workflowId = query.get('workflow_id') ?? '';
  const page = Number(query.get('page') ?? '1') || 1;

  const list = useAsync(
    () => client.listRuns({ status: (status || undefined) as RunWithDetails['status'] | undefined, workflow_id: workflowId || undefined, page, limit: PAGE_SIZE }),
    [status, workflowId, page],
    { pollMs: POLL_MS },
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulkResult, setBulkResult] = useState<BulkRunsResponse | null>(null);
  const toggle = (runId: string) => {
    const next = new Set(selected);
    if (next.has(runId)) next.delete(runId);
    else next.add(runId);
    setSelected(next);
  };
  const filter = { ...(status && { status: [status as RunWithDetails['status']] }), ...(workflowId && { workflow_id: workflowId }) };

  return (
    <section>
      <div class="page-head">
        <h1>Runs</h1>
        <span class="live muted small" aria-hidden="true">
          <span class="dot" /> live
        </span>
      </div>
      <RetentionNote />
      <div class="filters">
        <div class="chips" role="group" aria-label="Filter by status">
          {['', ...RUN_STATUSES].map((s) => (
            <button
              key={s || 'all'}
              type="button"
              class={`chip${status === s ? ' selected' : ''}`}
              aria-pressed={status === s}
              onClick={() => setQuery({ status: s, page: undefined })}
            >
              {s ? s.charAt(0) + s.slice(1).toLowerCase() : 'All'}
            </button>
          ))}
        </div>
        {workflowId ? (
          <p class="active-filter">
            Workflow <code>{workflowId}</code>{' '}
            <button type="button" class="button small ghost" onClick={() => setQuery({ workflow_id: undefined, page: undefined })}>
              Show all workflows
            </button>
          </p>
        ) : null}
      </div>
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading label="Loading runs…" /> : null}
      {list.data && list.data.data.length === 0 ? (
        <Empty>
          {status || workflowId ? <p>No run matches these filters.</p> : <p>No runs yet. Open a workflow and press Run to start one.</p>}
        </Empty>
      ) : null}
      {list.data && list.data.data.length > 0 ? <RunsTable runs={list.data.data} showWorkflow selection={{ selected, toggle }} /> : null}
      {list.data && list.data.data.length > 0 ? (
        <BulkActions
          selected={[...selected]}
          filter={filter}
          onDone={(result) => { setBulkResult(result); setSelected(new Set()); list.reload(); }}
          onChange={() => setBulkResult(null)}
        />
      ) : null}
      {bulkResult ? <BulkResultNotice result={bulkResult} /> : null}
      {list.data ? (
        <Pagination
          page={list.data.pagination.page}
          totalPages={list.data.pagination.totalPages}
          total={list.data.pagination.total}
          onPage={(p) => setQuery({ page: String(p) })}
        />
      ) : null}
    </section>
  );
}

export function RunsTable({ runs, showWorkflow, selection }: {
  runs: RunWithDetails[];
  showWorkflow: boolean;
  /** Tick boxes for bulk actions (the runs page). */
  selection?: { selected: Set<string>; toggle: (runId: string) => void };
}) {
  return (
    <div class="table-wrap">
      <table class="runs-table">
        <thead>
          <tr>
            {selection ? <th scope="col"><span class="sr-only">Select</span></th> : null}
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            {showWorkflow ? <th scope="col">Workflow</th> : null}
            <th scope="col">Created</th>
            <th scope="col" class="hide-sm">
              Duration
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.run_id} data-run-id={run.run_id}>
              {selection ? (
                <td>
                  <input type="checkbox" checked={selection.selected.has(run.run_id)} onChange={() => selection.toggle(run.run_id)} aria-label={`Select run ${run.run_id}`} />
                </td>
              ) : null}
              <td>
                <Link href={`/runs/${encodeURIComponent(run.run_id)}`} class="mono" aria-label={`Run ${run.run_id}`}>
                  {run.run_id.slice(0, 8)}…{run.run_id.slice(-4)}
                </Link>
              </td>
              <td>
                <StatusBadge status={run.status} />
                {run.waiting ? <span class="waiting-label muted small" data-testid="waiting-label" data-reason={run.waiting.reason}>{waitingLabel(run.waiting)}</span> : null}
              </td>
              {showWorkflow ? (
                <td>
                  <Link href={`/workflows/${encodeURIComponent(run.workflow_id)}`}>{run.workflow_id}</Link>
                </td>
              ) : null}
              <td title={run.created_at}>{formatRelative(run.created_at)}</td>
              <td class="hide-sm">{run.started_at ? formatDuration(run.started_at, run.completed_at ?? undefined) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
