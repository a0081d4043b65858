import { useEffect, useRef, useState } from 'preact/hooks';
import type { StepLogLineSchema } from '../../../src/api/step-log-schemas.js';
import { useApp } from '../app-context.js';

/** How often a running run's log is asked for new lines (step logs are not events). */
const LOG_POLL_MS = 1000;
const PAGE = 1000;

/**
 * A run's step log lines (SPEC §17), oldest first: loaded page by page with `after=`, then,
 * while the run is `live`, asked every second for the lines after the last one seen; once
 * more when the run has ended, so its last lines are there too.
 */
export function useRunLogs(runId: string, live: boolean): { lines: StepLogLineSchema[]; error: unknown } {
  const { client } = useApp();
  const [lines, setLines] = useState<StepLogLineSchema[]>([]);
  const [error, setError] = useState<unknown>(null);
  const lastSeq = useRef(0);

  useEffect(() => {
    lastSeq.current = 0;
    setLines([]);
  }, [runId]);

  useEffect(() => {
    let active = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fetchNew = async () => {
      try {
        for (;;) {
          const page = await client.getRunLogs(runId, { after: lastSeq.current, limit: PAGE });
          if (!active) return;
          if (page.data.length > 0) {
            lastSeq.current = page.data[page.data.length - 1]!.seq;
            // Never a line twice, should two loads overlap when the run ends.
            setLines((seen) => {
              const last = seen.length > 0 ? seen[seen.length - 1]!.seq : 0;
              return [...seen, ...page.data.filter((line) => line.seq > last)];
            });
          }
          setError(null);
          if (page.data.length < PAGE) break;
        }
      } catch (e) {
        if (active) setError(e);
      }
      if (active && live) timer = setTimeout(fetchNew, LOG_POLL_MS);
    };
    void fetchNew();
    return () => {
      active = false;
      if (timer) clearTimeout(timer);
    };
  }, [runId, live]);

  return { lines, error };
}
