import { useApp } from '../app-context.js';
import { CopyButton } from '../components/copy-button.js';
import { Link } from '../components/link.js';
import { Markdown } from '../components/markdown.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { StatusBadge } from '../components/status-badge.js';
import { StepGraph } from '../components/step-graph.js';
import { formatDate, formatRelative } from '../format.js';
import { useAsync } from '../use-async.js';
import { RunForm } from './run-form.js';
import { RunsTable } from './runs-page.js';
import { WorkflowSchedules } from './workflow-schedules.js';

/** One workflow: its id to copy, description, readme, versions, input schema, a Run form and its latest runs. */
export function WorkflowPage({ workflowId }: { workflowId: string }) {
  const { client } = useApp();
  const workflow = useAsync(() => client.getWorkflow(workflowId), [workflowId]);
  const versions = useAsync(() => client.listWorkflowVersions(workflowId), [workflowId]);
  const runs = useAsync(() => client.listRuns({ workflow_id: workflowId, limit: 5 }), [workflowId], { pollMs: 3000 });
  const graph = useAsync(() => client.getWorkflowGraph(workflowId), [workflowId]);

  if (workflow.error) {
    return (
      <section>
        <p>
          <Link href="/workflows">← Workflows</Link>
        </p>
        <h1>Workflow {workflowId}</h1>
        <ErrorBox error={workflow.error} onRetry={workflow.reload} />
      </section>
    );
  }
  if (!workflow.data) return <Loading label="Loading workflow…" />;
  const w = workflow.data;

  return (
    <section class="workflow-page">
      <p class="crumbs">
        <Link href="/workflows">← Workflows</Link>
      </p>
      <div class="page-head">
        <span class="emoji large" style={{ background: w.color || '#e8ecf5' }} aria-hidden="true">
          {w.emoji || '⚙️'}
        </span>
        <div>
          <h1>{w.name}</h1>
          <p class="meta">
            <StatusBadge status={w.status} />
            <span>
              Workflow id <code data-testid="workflow-id">{w._id}</code>
            </span>
            <CopyButton text={w._id} label="Copy id" />
            <Link href={`/workflows/${encodeURIComponent(w._id)}/edit`} class="button small">Edit definition</Link>
          </p>
        </div>
      </div>
      {w.description ? <p class="lead">{w.description}</p> : null}

      <div class="columns">
        <div class="column-main">
          <section class="card" aria-labelledby="run-heading">
            <h2 id="run-heading">Run</h2>
            {w.inputSchema ? (
              <RunForm workflowId={w._id} schema={w.inputSchema} />
            ) : (
              <p class="muted">
                This workflow is a draft: it has no published version to run. Publish it from the{' '}
                <Link href={`/workflows/${encodeURIComponent(w._id)}/edit`}>editor</Link> or with{' '}
                <code>slipway workflow apply &lt;file&gt; --publish</code>.
              </p>
            )}
          </section>

          <section class="card" aria-labelledby="graph-heading">
            <h2 id="graph-heading">
              Graph {graph.data ? <span class="muted small">{graph.data.version ? `v${graph.data.version}` : 'draft'}</span> : null}
            </h2>
            {graph.error ? <ErrorBox error={graph.error} onRetry={graph.reload} /> : null}
            {graph.data ? <StepGraph nodes={graph.data.nodes} label={`Steps of ${w.name}`} /> : graph.error ? null : <Loading label="Loading graph…" />}
          </section>

          <section class="card" aria-labelledby="readme-heading">
            <h2 id="readme-heading">Readme</h2>
            {w.readme.trim() ? <Markdown source={w.readme} /> : <p class="muted">No readme.</p>}
          </section>

          <section class="card" aria-labelledby="recent-heading">
            <div class="section-head">
              <h2 id="recent-heading">Latest runs</h2>
              <Link href={`/runs?workflow_id=${encodeURIComponent(w._id)}`}>All runs of this workflow →</Link>
            </div>
            {runs.error ? <ErrorBox error={runs.error} onRetry={runs.reload} /> : null}
            {runs.loading && !runs.data ? <Loading /> : null}
            {runs.data && runs.data.data.length === 0 ? <Empty>No runs yet.</Empty> : null}
            {runs.data && runs.data.data.length > 0 ? <RunsTable runs={runs.data.data} showWorkflow={false} /> : null}
          </section>

          <WorkflowSchedules workflowId={w._id} />
        </div>

        <aside class="column-side">
          <section class="card" aria-labelledby="details-heading">
            <h2 id="details-heading">Details</h2>
            <dl class="facts">
              <dt>Default version</dt>
              <dd>{w.defaultVersion || 'none (draft)'}</dd>
              <dt>Output type</dt>
              <dd>{w.outputType}</dd>
              <dt>Categories</dt>
              <dd>{w.categories.length ? w.categories.join(', ') : '—'}</dd>
              <dt>UUID</dt>
              <dd>
                <code class="wrap">{w.uuid}</code>
              </dd>
              <dt>Created</dt>
              <dd title={w.createdAt}>{formatDate(w.createdAt)}</dd>
              <dt>Updated</dt>
              <dd title={w.updatedAt}>{formatRelative(w.updatedAt)}</dd>
            </dl>
          </section>

          <section class="card" aria-labelledby="schema-heading">
            <h2 id="schema-heading">Input schema</h2>
            {!w.inputSchema ? <p class="muted">Published versions define the inputs.</p> : null}
            {w.inputSchema && w.inputSchema.length === 0 ? <p class="muted">No inputs.</p> : null}
            {w.inputSchema && w.inputSchema.length > 0 ? (
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Variable</th>
                      <th scope="col">Type</th>
                      <th scope="col">Required</th>
                    </tr>
                  </thead>
                  <tbody>
                    {w.inputSchema.map((item) => (
                      <tr key={item.variableName}>
                        <td>
                          <code>{item.variableName}</code>
                          <div class="muted small">{item.label}</div>
                        </td>
                        <td>
                          {item.type}
                          {item.options ? <div class="muted small">{item.options.map((o) => (typeof o === 'string' ? o : o.value)).join(', ')}</div> : null}
                        </td>
                        <td>{item.required ? 'yes' : 'no'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
          </section>

          <section class="card" aria-labelledby="versions-heading">
            <h2 id="versions-heading">Versions</h2>
            {versions.error ? <ErrorBox error={versions.error} onRetry={versions.reload} /> : null}
            {versions.loading && !versions.data ? <Loading /> : null}
            {versions.data && versions.data.data.length === 0 ? <p class="muted">No published version yet.</p> : null}
            {versions.data && versions.data.data.length > 0 ? (
              <ul class="versions">
                {versions.data.data.map((v) => (
                  <li key={v.version}>
                    <strong>v{v.version}</strong>
                    {v.isDefault ? <span class="badge status-published">default</span> : null}
                    <span class="muted small">
                      {v.stepCount} step{v.stepCount === 1 ? '' : 's'}, {v.inputSchema.length} input{v.inputSchema.length === 1 ? '' : 's'} ·{' '}
                      <span title={v.createdAt}>{formatDate(v.createdAt)}</span>
                    </span>
                  </li>
                ))}
              </ul>
            ) : null}
          </section>
        </aside>
      </div>
    </section>
  );
}
