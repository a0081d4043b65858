/**
 * The plugin interface for step types (SPEC §5). Built-in types live beside this file;
 * hosts register their own the same way. A step type receives its `with` block already
 * evaluated (expressions replaced by values) and returns an outcome; it never touches
 * the store.
 *
 * @example
 * const shout: StepType = {
 *   type: 'shout',
 *   description: 'Upper-cases with.text',
 *   withKeys: ['text'],
 *   async run(input) { return { kind: 'completed', output: String(input.text).toUpperCase() }; },
 * };
 */
export interface StepType {
  /** The `type:` name in definitions. */
  type: string;
  description: string;
  /** Keys `with` may have (apply rejects others); omit to accept any. */
  withKeys?: readonly string[];
  /** Keys `with` must have. */
  requiredWithKeys?: readonly string[];
  run(input: Record<string, unknown>, ctx: StepContext): Promise<StepOutcome>;
}

export interface StepContext {
  runId: string;
  workspaceId: number;
  workflowId: string;
  stepId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborted when the step times out, the run times out, or the worker loses the run. */
  signal: AbortSignal;
  now(): number;
  /** When this step asked to wait and is now being resumed: the time it asked for. */
  resumedFrom: { wakeAt: number } | null;
}

/** What one attempt of a step came to. The executor handles each case. */
export type StepOutcome =
  | { kind: 'completed'; output: unknown }
  | { kind: 'failed'; message: string; retryable?: boolean }
  /** Durable wait: the run is released and resumed at `until` (no worker slot held). */
  | { kind: 'waiting'; until: number };

export type StepTypeRegistry = ReadonlyMap<string, StepType>;
