import { systemClock, timeoutSignal } from '../core/clock.js';
import { isTerminal } from '../core/states.js';
import type { Run, Store } from '../store/store.js';

export interface RunEventsOptions {
  /**
   * How often the watched runs' newest event ids are read (one query for all of them):
   * the only cross-process signal on SQLite, a safety net behind NOTIFY on PostgreSQL.
   * Default 250 ms on SQLite, 2 s on PostgreSQL.
   */
  pollIntervalMs?: number;
  /** Bytes a stream may have waiting for a slow reader before it is closed (the client resumes). Default 1 MiB. */
  maxBufferedBytes?: number;
  /** How long a stream past its cap waits for the reader to catch up before it is closed. Default 10 s. */
  slowReaderMs?: number;
  /** The longest a stream lives; the client then resumes with Last-Event-ID. Default 1 h. */
  maxStreamMs?: number;
  /** A comment line this often keeps proxies from closing an idle stream. Default 15 s. */
  keepAliveMs?: number;
}

/** The bounds every event stream is held to (SPEC §9). */
export interface StreamLimits {
  maxBufferedBytes: number;
  slowReaderMs: number;
  maxStreamMs: number;
  keepAliveMs: number;
}

/**
 * The fan-out behind event streams and long-polls: one subscription per watched run, however
 * many readers watch it. Readers are told only that a run changed and read the log themselves
 * after their own position, so a slow reader costs its own buffer and nothing here. A run
 * changes when this process writes it, when PostgreSQL NOTIFYs, or when the poll sees its
 * newest event id move (the truth; notifications only make it sooner).
 */
export function createRunEventsService(deps: { store: Store }, options: RunEventsOptions = {}) {
  const { store } = deps;
  const pollMs = options.pollIntervalMs ?? (store.crossProcessEventNotifications ? 2000 : 250);
  const watched = new Map<string, { seq: number; listeners: Set<() => void> }>();
  const shutdown = new AbortController();
  let unlisten: (() => void) | null = null;
  let timer: NodeJS.Timeout | null = null;
  let polling = false;

  const wake = (runId: string) => {
    for (const listener of watched.get(runId)?.listeners ?? []) listener();
  };

  async function poll() {
    if (polling || watched.size === 0) return;
    polling = true;
    try {
      const seqs = await store.latestRunEventSeqs([...watched.keys()]);
      for (const [runId, seq] of seqs) {
        const entry = watched.get(runId);
        if (entry && seq > entry.seq) {
          entry.seq = seq;
          wake(runId);
        }
      }
    } catch {
      // A failed poll (database outage) is retried at the next tick.
    } finally {
      polling = false;
    }
  }

  /**
   * Calls `onChange` whenever `runId` may have new events, until the returned function is
   * called. Spurious calls are allowed: the reader reads the log and finds nothing new.
   */
  function subscribe(runId: string, onChange: () => void): () => void {
    unlisten ??= store.onRunEvents((id) => {
      if (id === '') for (const key of watched.keys()) wake(key);
      else wake(id);
    });
    let entry = watched.get(runId);
    if (!entry) {
      entry = { seq: -1, listeners: new Set() };
      watched.set(runId, entry);
    }
    entry.listeners.add(onChange);
    if (!timer && !shutdown.signal.aborted) {
      timer = setInterval(() => void poll(), pollMs);
      timer.unref();
    }
    return () => {
      const current = watched.get(runId);
      current?.listeners.delete(onChange);
      if (current && current.listeners.size === 0) watched.delete(runId);
      if (watched.size === 0 && timer) {
        clearInterval(timer);
        timer = null;
      }
    };
  }

  /**
   * The run once it is terminal, or as it is when `timeoutMs` passes or shutdown begins
   * (long-polls answer with the current state then). Null when unknown in the workspace.
   */
  async function waitForRunEnd(workspaceId: number, runId: string, timeoutMs: number): Promise<Run | null> {
    let changed = true;
    let resolveChange: (() => void) | null = null;
    const unsubscribe = subscribe(runId, () => {
      changed = true;
      resolveChange?.();
    });
    // Timer-held (see timeoutSignal): an inline AbortSignal.timeout could be collected and never answer.
    const timeout = timeoutSignal(systemClock, timeoutMs);
    const stop = AbortSignal.any([shutdown.signal, timeout.signal]);
    try {
      for (;;) {
        changed = false;
        const run = await store.getRun(workspaceId, runId);
        if (!run || isTerminal(run.status) || stop.aborted) return run;
        if (!changed) {
          await untilSignalled(stop, (resolve) => (resolveChange = resolve));
          resolveChange = null;
        }
      }
    } finally {
      timeout.cancel();
      unsubscribe();
    }
  }

  const limits: StreamLimits = {
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
    slowReaderMs: options.slowReaderMs ?? 10_000,
    maxStreamMs: options.maxStreamMs ?? 60 * 60_000,
    keepAliveMs: options.keepAliveMs ?? 15_000,
  };

  return {
    limits,
    subscribe,
    /** The run's stored events after `afterSeq`, oldest first (the caller checked the run's workspace). */
    listEvents: (runId: string, afterSeq: number, limit: number) => store.listRunEvents(runId, afterSeq, limit),
    waitForRunEnd,
    /** Aborted when the server shuts down: streams end and long-polls answer at once. */
    shutdownSignal: shutdown.signal,
    /** The number of runs watched now (for tests and metrics). */
    watchedRuns: () => watched.size,
    close() {
      shutdown.abort();
      if (timer) clearInterval(timer);
      timer = null;
      unlisten?.();
      unlisten = null;
    },
  };
}

export type RunEventsService = ReturnType<typeof createRunEventsService>;

/** Resolves when `register`'s callback is called or `signal` aborts, without leaving a listener behind. */
export function untilSignalled(signal: AbortSignal, register: (resolve: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    register(done);
  });
}
