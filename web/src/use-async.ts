import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads data when `deps` change; with `pollMs`, reloads it on that interval while
 * `shouldPoll(data)` holds (live run status), without flashing the loading state.
 */
export function useAsync<T>(
  load: () => Promise<T>,
  deps: unknown[],
  options: { pollMs?: number; shouldPoll?: (data: T | undefined) => boolean; keepDataOnChange?: boolean } = {},
): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const shouldPollRef = useRef(options.shouldPoll);
  shouldPollRef.current = options.shouldPoll;

  // New deps: start over (loading state, no stale data from another page), unless the
  // deps only refine the same data (keepDataOnChange).
  useEffect(() => {
    if (options.keepDataOnChange) return;
    setData(undefined);
    setError(undefined);
    setLoading(true);
  }, deps);

  useEffect(() => {
    let active = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      let latest: T | undefined;
      try {
        latest = await loadRef.current();
        if (!active) return;
        setData(latest);
        setError(undefined);
      } catch (e) {
        if (!active) return;
        setError(e);
      } finally {
        if (active) setLoading(false);
      }
      const poll = options.pollMs !== undefined && (shouldPollRef.current ? shouldPollRef.current(latest) : true);
      if (active && poll) timer = setTimeout(run, options.pollMs);
    };
    void run();
    return () => {
      active = false;
      if (timer) clearTimeout(timer);
    };
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}
