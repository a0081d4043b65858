import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../app-context.js';
import { applyRunEvent, EMPTY_LIVE_STATE, type RunLiveState } from './run-event-state.js';

/**
 * Follows a run's event stream (fetch streaming with the Authorization header, resumed with
 * Last-Event-ID by the client) and folds it into live state for the graph, the waterfall
 * and streamed text. Ends by itself after the run's terminal status.
 */
export function useRunEvents(runId: string): RunLiveState & { following: boolean; error: unknown } {
  const { client } = useApp();
  const [state, setState] = useState<RunLiveState>(EMPTY_LIVE_STATE);
  const [following, setFollowing] = useState(true);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const abort = new AbortController();
    setState(EMPTY_LIVE_STATE);
    setFollowing(true);
    setError(null);
    void (async () => {
      try {
        for await (const event of client.streamRunEvents(runId, { signal: abort.signal })) {
          setState((current) => applyRunEvent(current, event));
        }
      } catch (e) {
        if (!abort.signal.aborted) setError(e);
      } finally {
        if (!abort.signal.aborted) setFollowing(false);
      }
    })();
    return () => abort.abort();
  }, [runId]);

  return { ...state, following, error };
}
