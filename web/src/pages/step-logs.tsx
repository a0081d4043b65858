import type { StepLogLineSchema } from '../../../src/api/step-log-schemas.js';

/** The lines of one step (and, for a `map`, of its sub-steps `<id>[i].<sub>`). */
export function linesOfStep(lines: readonly StepLogLineSchema[], stepId: string): StepLogLineSchema[] {
  return lines.filter((line) => line.step_id === stepId || line.step_id.startsWith(`${stepId}[`));
}

/** A step's log lines under the step on the run page: time, level, message and fields, growing while the step runs. */
export function StepLogLines({ stepId, lines }: { stepId: string; lines: readonly StepLogLineSchema[] }) {
  if (lines.length === 0) return null;
  return (
    <details class="step-log" open data-testid="step-log" data-step-id={stepId}>
      <summary>
        Log <span class="muted small">({lines.length} line{lines.length === 1 ? '' : 's'})</span>
      </summary>
      <ol class="step-log-lines" aria-label={`Log of ${stepId}`} aria-live="polite">
        {lines.map((line) => (
          <li key={line.seq} class={`log-line log-${line.level}`} data-seq={line.seq}>
            <time class="muted small mono" dateTime={line.at}>{line.at.slice(11, 23)}</time>{' '}
            <span class={`log-level log-level-${line.level}`}>{line.level}</span>{' '}
            {line.step_id !== stepId ? <span class="muted small mono">{line.step_id.slice(stepId.length)} </span> : null}
            {line.attempt > 1 ? <span class="muted small">(attempt {line.attempt}) </span> : null}
            <span class="log-message">{line.message}</span>
            {line.fields && Object.keys(line.fields).length > 0 ? <code class="log-fields small"> {JSON.stringify(line.fields)}</code> : null}
          </li>
        ))}
      </ol>
    </details>
  );
}
