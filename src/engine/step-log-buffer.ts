import type { NewStepLogLine } from '../store/store.js';
import type { ExecutionEnv } from './execution-env.js';

/** Most lines of one run's log unless SLIPWAY_MAX_LOG_LINES says otherwise. */
export const DEFAULT_MAX_LOG_LINES = 1000;

/** A running attempt's log lines are written at most this long after they were logged (the dashboard shows them live). */
export const LOG_FLUSH_MS = 500;

/**
 * An attempt's log lines, kept in memory while it runs and written (masked, SPEC §13) in
 * batches: LOG_FLUSH_MS after the first unwritten line, and when the attempt ends. Writes
 * are chained, so the lines of one attempt keep their order. A failed write loses the
 * lines, never the step.
 */
export function createLogBuffer(env: ExecutionEnv, stepId: string, attempt: number) {
  const lines: NewStepLogLine[] = [];
  const maxLines = env.budgets.maxLogLines ?? DEFAULT_MAX_LOG_LINES;
  let pushed = 0;
  let cancelTimer: (() => void) | null = null;
  let written: Promise<void> = Promise.resolve();
  function flush(): Promise<void> {
    cancelTimer?.();
    cancelTimer = null;
    if (lines.length === 0) return written;
    const batch = lines.splice(0);
    written = written.then(async () => {
      try {
        await env.lease.appendLogs(await env.secrets.mask(batch), maxLines);
      } catch {
        // Logs are best effort: the step's outcome is what counts.
      }
    });
    return written;
  }
  return {
    push(level: NewStepLogLine['level'], message: string, fields?: Record<string, unknown>) {
      if (pushed >= maxLines) return;
      pushed += 1;
      lines.push({ stepId, attempt, level, message: String(message), fields: fields ?? null, at: env.clock.now() });
      cancelTimer ??= env.clock.timer(LOG_FLUSH_MS, () => {
        cancelTimer = null;
        void flush();
      });
    },
    flush,
  };
}
