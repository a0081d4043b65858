import { useApp } from '../app-context.js';
import { JsonView } from '../components/json-view.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatDuration } from '../format.js';
import { SlipwayApiError } from '../session.js';
import { useState } from 'preact/hooks';
import { useAsync } from '../use-async.js';
import { ReplayFromHere } from './run-control.js';
import { useRunLogs } from '../live/use-run-logs.js';
import { linesOfStep, StepLogLines } from './step-logs.js';

/** Each step of the run in order: status, attempts, duration, and its output or error; reloaded when the run's events move (`changes`). */
export function StepTimeline({ runId, live, changes }: { runId: string; live: boolean; changes: number }) {
  const { client } = useApp();
  // `live` is in the deps so a final load happens when the run ends (keeping what is shown meanwhile).
  const steps = useAsync(() => client.getRunSteps(runId), [runId, live, changes], { keepDataOnChange: true });
  const logs = useRunLogs(runId, live);

  if (steps.error && !steps.data) {
    if (steps.error instanceof SlipwayApiError && steps.error.status === 404 && steps.error.body.message.startsWith('No route')) {
      return <p class="muted">This server does not list steps yet.</p>;
    }
    return <ErrorBox error={steps.error} onRetry={steps.reload} />;
  }
  if (!steps.data) return <Loading label="Loading steps…" />;
  if (steps.data.data.length === 0) {
    return <Empty>{live ? 'No step has started yet.' : 'No step ran.'}</Empty>;
  }
  return (
    <ol class="timeline" aria-label="Steps">
      {steps.data.data.map((step) => (
        <li key={step.id} class={`step step-${step.status.toLowerCase()}`} data-step-id={step.id}>
          <div class="step-head">
            <span class="step-dot" aria-hidden="true" />
            <strong class="mono">{step.id}</strong>
            <span class="muted small">{step.type}</span>
            {/* A step still PENDING when the run has ended never ran (an earlier step failed, or the run timed out). */}
            <StatusBadge status={step.status} label={!live && step.status === 'PENDING' ? 'NOT RUN' : undefined} />
            <span class="muted small">
              {step.attempts} attempt{step.attempts === 1 ? '' : 's'} · {formatDuration(step.started_at, step.finished_at)}
            </span>
            {step.reused_from ? <span class="muted small" title={`checkpoint copied from run ${step.reused_from}`}>reused</span> : null}
            {!live && !step.id.includes('[') ? <ReplayFromHere runId={runId} stepId={step.id} /> : null}
          </div>
          {step.error ? (
            <p class="step-error">
              <code>{step.error.code}</code> {step.error.message}
            </p>
          ) : null}
          <StepLogLines stepId={step.id} lines={linesOfStep(logs.lines, step.id)} />
          {step.output !== null && step.output !== undefined ? <StepOutput runId={runId} stepId={step.id} output={step.output} /> : null}
        </li>
      ))}
    </ol>
  );
}

/** The list answer leaves out outputs over 64 KiB (`{truncated, bytes}`): the step's own GET has it whole. */
function isTruncated(output: unknown): output is { truncated: true; bytes: number } {
  return typeof output === 'object' && output !== null && (output as { truncated?: unknown }).truncated === true && typeof (output as { bytes?: unknown }).bytes === 'number';
}

function StepOutput({ runId, stepId, output }: { runId: string; stepId: string; output: unknown }) {
  const { client } = useApp();
  const [full, setFull] = useState<{ value: unknown } | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (!isTruncated(output) || full) {
    return (
      <details open={full !== null}>
        <summary>Output</summary>
        <JsonView value={full ? full.value : output} label={`Output of ${stepId}`} />
      </details>
    );
  }
  const load = () => {
    setError(null);
    client.getRunStep(runId, stepId).then((step) => setFull({ value: step.output }), setError);
  };
  return (
    <div class="step-output-truncated">
      <span class="muted small">Output: {Math.ceil(output.bytes / 1024)} KiB, too large for the list. </span>
      <button type="button" class="button small ghost" onClick={load}>Show output of {stepId}</button>
      {error ? <ErrorBox error={error} onRetry={load} /> : null}
    </div>
  );
}
