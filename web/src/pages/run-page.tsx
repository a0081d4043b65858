import { useEffect, useState } from 'preact/hooks';
import type { RunWithDetails } from '../../../src/api/schemas.js';
import { useApp } from '../app-context.js';
import { CopyButton } from '../components/copy-button.js';
import { JsonView } from '../components/json-view.js';
import { Link } from '../components/link.js';
import { Markdown, SafeHtml } from '../components/markdown.js';
import { ErrorBox, Loading } from '../components/states.js';
import { StatusBadge } from '../components/status-badge.js';
import { StepGraph } from '../components/step-graph.js';
import { Waterfall } from '../components/waterfall.js';
import { useRunEvents } from '../live/use-run-events.js';
import { formatDate, formatDuration, TERMINAL_STATUSES } from '../format.js';
import { navigate } from '../router.js';
import { useAsync } from '../use-async.js';
import { StepTimeline } from './step-timeline.js';
import { RunControlActions } from './run-control.js';
import { RunWaitpoints } from './run-waitpoints.js';
import { WaitingCard } from '../components/waiting-reason.js';

const isLive = (run: RunWithDetails | undefined) => !run || !TERMINAL_STATUSES.includes(run.status);
const QUEUED_RELOAD_MS = 3000;

/**
 * One run: status, times, inputs, metadata, output, error, the step graph, the waterfall of
 * attempts and the step timeline — live from the run's event stream (no polling): each
 * event other than streamed text reloads the run and its steps.
 */
export function RunPage({ runId }: { runId: string }) {
  const { client } = useApp();
  const live = useRunEvents(runId);
  // A queued run gets no events while its place in the queue moves (SPEC §12 `waiting`): it is looked at again every few seconds.
  const run = useAsync(() => client.getRunDetails(runId), [runId, live.changes, live.following], {
    keepDataOnChange: true, pollMs: QUEUED_RELOAD_MS, shouldPoll: (data) => data?.status === 'QUEUED',
  });
  const workflowId = run.data?.workflow_id;
  const workflow = useAsync(() => (workflowId ? client.getWorkflow(workflowId) : Promise.resolve(null)), [workflowId]);
  const version = run.data?.workflow_version ?? null;
  const graph = useAsync(() => (workflowId ? client.getWorkflowGraph(workflowId, version) : Promise.resolve(null)), [workflowId, version]);
  const now = useNow(live.following);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'cancel' | 'rerun' | null>(null);

  if (run.error && !run.data) {
    return (
      <section>
        <p class="crumbs">
          <Link href="/runs">← Runs</Link>
        </p>
        <h1>Run {runId}</h1>
        <ErrorBox error={run.error} onRetry={run.reload} />
      </section>
    );
  }
  if (!run.data) return <Loading label="Loading run…" />;
  const r = run.data;

  const cancel = async () => {
    setBusy('cancel');
    setActionError(null);
    try {
      await client.cancelRun(r.run_id);
      run.reload();
    } catch (e) {
      setActionError(e);
      run.reload();
    } finally {
      setBusy(null);
    }
  };

  const rerun = async () => {
    setBusy('rerun');
    setActionError(null);
    try {
      const created = await client.createRun(r.workflow_id, { inputs: r.inputs ?? {}, ...(r.metadata ? { metadata: r.metadata } : {}) });
      navigate(`/runs/${encodeURIComponent(created.run_id)}`);
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(null);
    }
  };

  const w = workflow.data;
  return (
    <section class="run-page">
      <p class="crumbs">
        <Link href="/runs">← Runs</Link>
      </p>
      <div class="page-head run-head">
        <div>
          <h1>
            {w ? (
              <>
                <span aria-hidden="true">{w.emoji}</span> {w.name}
              </>
            ) : (
              r.workflow_id
            )}{' '}
            <span class="muted">run</span>
          </h1>
          <p class="meta">
            <StatusBadge status={r.status} />
            {isLive(r) && live.following ? (
              <span class="live muted small" role="status">
                <span class="dot" aria-hidden="true" /> updating live
              </span>
            ) : null}
            <code class="wrap" data-testid="run-id">
              {r.run_id}
            </code>
            <CopyButton text={r.run_id} label="Copy id" />
          </p>
        </div>
        <div class="actions">
          {r.status === 'QUEUED' ? (
            <button type="button" class="button danger" onClick={cancel} disabled={busy !== null}>
              {busy === 'cancel' ? 'Canceling…' : 'Cancel run'}
            </button>
          ) : null}
          <button type="button" class="button" onClick={rerun} disabled={busy !== null} title="Start a new run with the same inputs">
            {busy === 'rerun' ? 'Starting…' : 'Re-run'}
          </button>
          <RunControlActions run={r} onChanged={run.reload} />
        </div>
      </div>
      {actionError ? <ErrorBox error={actionError} /> : null}

      <div class="columns">
        <div class="column-main">
          {r.waiting ? <WaitingCard waiting={r.waiting} /> : null}
          {r.status === 'FAILED' && r.error ? (
            <section class="card error-card" aria-labelledby="error-heading">
              <h2 id="error-heading">Error</h2>
              <p>
                <code>{r.error.code}</code> {r.error.message}
              </p>
            </section>
          ) : null}
          {r.status === 'COMPLETED' ? (
            <section class="card" aria-labelledby="output-heading">
              <h2 id="output-heading">Output</h2>
              <Output value={r.output} outputType={w?.outputType ?? 'json'} />
            </section>
          ) : null}
          {Object.entries(live.deltas).map(([stepId, text]) => (
            <section key={stepId} class="card live-text" aria-labelledby={`live-${stepId}`} data-testid="live-text" data-step-id={stepId}>
              <h2 id={`live-${stepId}`}>
                <span class="mono">{stepId}</span> <span class="muted small">writing…</span>
              </h2>
              <pre class="code text" aria-live="polite">{text}</pre>
            </section>
          ))}
          <RunWaitpoints runId={r.run_id} changes={live.changes} />
          <section class="card" aria-labelledby="graph-heading">
            <h2 id="graph-heading">Graph</h2>
            {graph.data ? <StepGraph nodes={graph.data.nodes} statuses={live.steps} label={`Steps of run ${r.run_id}`} /> : <Loading label="Loading graph…" />}
          </section>
          <section class="card" aria-labelledby="waterfall-heading">
            <h2 id="waterfall-heading">Timeline</h2>
            <Waterfall attempts={live.attempts} now={now} />
          </section>
          <section class="card" aria-labelledby="steps-heading">
            <h2 id="steps-heading">Steps</h2>
            <StepTimeline key={r.run_id} runId={r.run_id} live={isLive(r)} changes={live.changes} />
          </section>
        </div>
        <aside class="column-side">
          <section class="card" aria-labelledby="facts-heading">
            <h2 id="facts-heading">Details</h2>
            <dl class="facts">
              <dt>Workflow</dt>
              <dd>
                <Link href={`/workflows/${encodeURIComponent(r.workflow_id)}`}>{r.workflow_id}</Link>
                {r.workflow_version ? ` (v${r.workflow_version})` : ''}
              </dd>
              <dt>Created</dt>
              <dd title={r.created_at}>{formatDate(r.created_at)}</dd>
              <dt>Started</dt>
              <dd title={r.started_at ?? ''}>{formatDate(r.started_at)}</dd>
              <dt>Finished</dt>
              <dd title={r.completed_at ?? ''}>{formatDate(r.completed_at)}</dd>
              <dt>Duration</dt>
              <dd>{r.started_at ? formatDuration(r.started_at, r.completed_at) : '—'}</dd>
              <dt>Last change</dt>
              <dd title={r.updated_at}>{formatDate(r.updated_at)}</dd>
              <dt>Execution id</dt>
              <dd>{r.workflow_execution_id ? <code class="wrap">{r.workflow_execution_id}</code> : '—'}</dd>
            </dl>
          </section>
          <section class="card" aria-labelledby="inputs-heading">
            <h2 id="inputs-heading">Inputs</h2>
            <JsonView value={r.inputs ?? {}} label="Inputs" />
          </section>
          <section class="card" aria-labelledby="metadata-heading">
            <h2 id="metadata-heading">Metadata</h2>
            {r.metadata ? <JsonView value={r.metadata} label="Metadata" /> : <p class="muted">None.</p>}
          </section>
        </aside>
      </div>
    </section>
  );
}

/** The output as its workflow declares it: Markdown, HTML (sanitized), plain text, or pretty JSON. */
function Output({ value, outputType }: { value: unknown; outputType: string }) {
  if (typeof value === 'string' && outputType === 'markdown') return <Markdown source={value} />;
  if (typeof value === 'string' && outputType === 'html') return <SafeHtml html={value} />;
  if (typeof value === 'string' && outputType === 'text') return <pre class="code text">{value}</pre>;
  return <JsonView value={value ?? null} label="Output" />;
}

/** The current time, ticking every second while `ticking` (for bars that are still growing). */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    setNow(Date.now());
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}
