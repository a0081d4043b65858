import type { AttemptBar } from '../live/run-event-state.js';

const fmt = (ms: number) => (ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);

/**
 * Every attempt of every step on one time axis: where it started, how long it ran, its
 * retries (one row per attempt) and its waits (hatched), live while the run runs.
 */
export function Waterfall({ attempts, now }: { attempts: AttemptBar[]; now: number }) {
  if (attempts.length === 0) return <p class="muted">No step has started yet.</p>;
  const start = Math.min(...attempts.map((a) => a.startedAt));
  const end = Math.max(now, ...attempts.map((a) => Math.max(a.endedAt ?? now, ...a.waits.map((w) => w.until ?? now))));
  const span = Math.max(1, end - start);
  const pct = (t: number) => `${(((t - start) / span) * 100).toFixed(2)}%`;
  const width = (from: number, to: number) => `${Math.max(0.4, ((to - from) / span) * 100).toFixed(2)}%`;
  return (
    <ol class="waterfall" aria-label="Attempts over time">
      {attempts.map((a) => {
        const runEnd = a.endedAt ?? now;
        return (
          <li key={`${a.stepId}#${a.attempt}`} class="waterfall-row" data-step-id={a.stepId} data-attempt={a.attempt} data-status={a.status}>
            <span class="waterfall-label mono" title={a.stepId}>
              {a.stepId}
              {a.attempt > 1 ? <span class="muted"> #{a.attempt}</span> : null}
            </span>
            <span class="waterfall-track">
              <span class={`waterfall-bar status-${a.status.toLowerCase()}`} style={{ left: pct(a.startedAt), width: width(a.startedAt, runEnd) }} />
              {a.waits.map((w, i) => (
                <span key={i} class="waterfall-wait" title={`${w.reason}${w.until ? ` until ${new Date(w.until).toLocaleTimeString()}` : ''}`} style={{ left: pct(w.from), width: width(w.from, Math.min(w.until ?? now, Math.max(now, w.from))) }} />
              ))}
            </span>
            <span class="waterfall-time muted small">{fmt(runEnd - a.startedAt)}</span>
          </li>
        );
      })}
    </ol>
  );
}
