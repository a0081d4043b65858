import type { EndedRun, Run, StepAttempt } from '../store/store.js';

/**
 * The engine's port for traces (SPEC §17). The OpenTelemetry implementation (otel-tracer.ts)
 * is made by the composition root when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; everywhere
 * else (tests, the off path) `NO_TRACING` costs a function call and nothing more.
 *
 * Spans are made from what the store records, so any process can make them: a step
 * attempt's span starts at the attempt's recorded start and ends when an attempt is saved
 * with a final status (COMPLETED, FAILED, SKIPPED) — by whichever process saved it; its
 * parent is the run's span id made at creation. The run span is exported by the process
 * whose write ended the run (`runsEnded`, fed by the store's `onRunsEnded`).
 */
export interface Tracer {
  /** A step attempt was saved (any status): a final status ends and exports its span; WAITING drops the open one. */
  attemptSaved(run: Run, attempt: StepAttempt): void;
  /**
   * A client span (an `http` request, an `llm` call) under the attempt's span, started now.
   * `traceparent` is what the step sends to its peer; `end` records the outcome.
   * Null when tracing is off or the step type makes no outbound call.
   */
  clientCall(run: Run, attempt: StepAttempt): ClientCall | null;
  /** This execution of the run ended (finished, released, lost): spans still open are dropped. */
  executionEnded(runId: string): void;
  /** Runs that writes of this process ended: their run spans are exported. */
  runsEnded(runs: readonly EndedRun[]): void;
  /** Exports what is buffered and stops (at shutdown). */
  shutdown(): Promise<void>;
}

export interface ClientCall {
  /** The W3C `traceparent` of the client span, for the outgoing request. */
  traceparent: string;
  /** The outcome of the call: the step's output when it completed, its error message when it failed. */
  end(outcome: { kind: 'completed'; output: unknown } | { kind: 'failed'; message: string } | { kind: 'other' }): void;
}

export const NO_TRACING: Tracer = {
  attemptSaved() {},
  clientCall: () => null,
  executionEnded() {},
  runsEnded() {},
  shutdown: async () => {},
};
