import { useEffect, useRef, useState } from 'preact/hooks';
import { useApp } from '../app-context.js';
import { Link } from '../components/link.js';
import { Pagination } from '../components/pagination.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatRelative } from '../format.js';
import { setQuery, useLocation } from '../router.js';
import { useAsync } from '../use-async.js';

const PAGE_SIZE = 20;

/** The workspace's workflows: search by name, filter draft/published. Filters live in the URL. */
export function WorkflowsPage() {
  const { client } = useApp();
  const { query } = useLocation();
  const search = query.get('search') ?? '';
  const status = query.get('status') ?? '';
  const page = Number(query.get('page') ?? '1') || 1;
  const [searchText, setSearchText] = useState(search);

  // The search this box last put in the URL; any other change (back/forward) is shown in the box.
  const pushed = useRef(search);
  useEffect(() => {
    if (search === pushed.current) return;
    pushed.current = search;
    setSearchText(search);
  }, [search]);

  // Typing updates the list after a short pause, not on every key.
  useEffect(() => {
    if (searchText === search) return;
    const timer = setTimeout(() => {
      pushed.current = searchText;
      setQuery({ search: searchText, page: undefined }, { replace: true });
    }, 250);
    return () => clearTimeout(timer);
  }, [searchText]);

  const list = useAsync(
    () => client.listWorkflows({ search: search || undefined, status: (status || undefined) as 'draft' | 'published' | undefined, page, limit: PAGE_SIZE }),
    [search, status, page],
  );

  return (
    <section>
      <div class="page-head">
        <h1>Workflows</h1>
      </div>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label class="field-inline">
          <span>Search</span>
          <input type="search" placeholder="Name contains…" value={searchText} onInput={(e) => setSearchText((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field-inline">
          <span>Status</span>
          <select value={status} onChange={(e) => setQuery({ status: (e.target as HTMLSelectElement).value, page: undefined })}>
            <option value="">All</option>
            <option value="published">Published</option>
            <option value="draft">Draft</option>
          </select>
        </label>
      </form>
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading label="Loading workflows…" /> : null}
      {list.data && list.data.data.length === 0 ? (
        <Empty>
          {search || status ? (
            <p>No workflow matches these filters.</p>
          ) : (
            <p>
              This workspace has no workflows yet. Add one with <code>slipway workflow apply my-workflow.yaml --workspace &lt;id&gt; --publish</code>.
            </p>
          )}
        </Empty>
      ) : null}
      {list.data && list.data.data.length > 0 ? (
        <ul class="cards" aria-label="Workflows">
          {list.data.data.map((workflow) => (
            <li key={workflow._id} class="card workflow-card">
              <span class="emoji" style={{ background: workflow.color || '#e8ecf5' }} aria-hidden="true">
                {workflow.emoji || '⚙️'}
              </span>
              <div class="workflow-card-body">
                <h2>
                  <Link href={`/workflows/${encodeURIComponent(workflow._id)}`}>{workflow.name}</Link>
                </h2>
                <p class="muted">{workflow.description || 'No description.'}</p>
                <p class="meta">
                  <StatusBadge status={workflow.status} /> <code>{workflow._id}</code>
                  <span>
                    {workflow.totalVersions} version{workflow.totalVersions === 1 ? '' : 's'}
                  </span>
                  <span title={workflow.updatedAt}>updated {formatRelative(workflow.updatedAt)}</span>
                </p>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
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
