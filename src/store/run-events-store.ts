import type { LeaseRef } from './lease-store.js';
import type { RunEvent } from './run-events.js';

/**
 * Reading the run event log (SPEC §9). Events are written only by the write paths of the
 * other topics, in the transaction of the change they report; here they are read after a
 * sequence number, and a listener learns that a run has new events (never the payload).
 */
export interface RunEventStore {
  /** Events of `runId` with `seq > afterSeq`, oldest first, at most `limit`. */
  listRunEvents(runId: string, afterSeq: number, limit: number): Promise<RunEvent[]>;
  /** The newest `seq` of each of `runIds` (0 for a run without events; absent for unknown runs). */
  latestRunEventSeqs(runIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * Calls `listener(runId)` when a run got new events: at once for writes of this process;
   * for other processes through LISTEN/NOTIFY on PostgreSQL. SQLite has no cross-process
   * notification: readers poll `latestRunEventSeqs` (see the run events service).
   */
  onRunEvents(listener: (runId: string) => void): () => void;
  /** True when other processes' events arrive through `onRunEvents` (PostgreSQL), false when they must be polled (SQLite). */
  readonly crossProcessEventNotifications: boolean;
  /**
   * Appends a `step.delta` (streamed LLM text) to a running step, only while `lease` is the
   * run's claim and the attempt is still RUNNING; false otherwise. Deltas are deleted when
   * the attempt ends (its `step.completed`/`step.failed`) or the run ends.
   */
  appendStepDelta(lease: LeaseRef, delta: StepDelta): Promise<boolean>;
}

export interface StepDelta {
  runId: string;
  stepId: string;
  attempt: number;
  text: string;
  now: number;
}
