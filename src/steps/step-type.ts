import type { Static, TObject } from '@sinclair/typebox';
import type { NestedOutcome, StepOutcome } from '../core/outcomes.js';

/** A step type's outcomes are defined with the engine's others, in core/outcomes.ts. */
export type { NestedOutcome, StepOutcome } from '../core/outcomes.js';

/**
 * The plugin interface for step types (SPEC §5). Built-in types live beside this file;
 * hosts register their own the same way (see docs/WORKFLOWS.md, "Host step types").
 * A step type declares the schema of its `with` block (checked when a workflow is
 * applied, for the keys, and before every attempt, for the evaluated values), whether
 * running it twice is harmless, and a `run` that receives the evaluated `with` block
 * and an `AbortSignal`. It returns an outcome and never touches the store.
 *
 * @example
 * import { Type } from '@sinclair/typebox';
 * export const shout = defineStepType({
 *   type: 'shout',
 *   description: 'Upper-cases with.text',
 *   input: Type.Object({ text: Type.String() }, { additionalProperties: false }),
 *   idempotent: true,
 *   async run(input) { return { kind: 'completed', output: input.text.toUpperCase() }; },
 * });
 */
export interface StepType<S extends TObject = TObject> {
  /** The `type:` name in definitions. */
  type: string;
  description: string;
  /** Schema of the evaluated `with` block. Its property names are the keys `with` may have. */
  input: S;
  /**
   * True when running the step twice with the same input is harmless. Steps run at least
   * once: an attempt interrupted by a crash runs again. The engine runs every step the
   * same way; the flag documents the risk and is shown by `describeStepTypes`.
   */
  idempotent: boolean;
  /**
   * True when the step only computes its output from its input: no I/O, nothing outside the
   * engine (`transform`). Its start then need not be on record before it runs: it is written
   * with the run's next write (issue 10: fewer commits). Default false.
   */
  pure?: boolean;
  /**
   * A `with` key that holds nested step definitions (e.g. `map`'s `steps`): it is not
   * evaluated before `run`, and it is validated as steps when the workflow is applied.
   */
  nestedSteps?: string;
  /** May the step carry a `retry` policy? Default true. */
  retryable?: boolean;
  /** May the step carry a step-level `timeout`? Default true (`wait` says false: it has `with.timeout`). */
  takesTimeout?: boolean;
  /**
   * `with` keys the engine does not evaluate before `run` (the step evaluates them itself,
   * later, through `ctx.expressions`: `wait`'s `match` and `notify`).
   */
  unevaluatedKeys?: readonly string[];
  /**
   * Where `{{ secrets.NAME }}` may appear in this type's `with` (SPEC §13): `'all'`, or the
   * top-level keys that take secrets (e.g. `['apiKey']`). Elsewhere it is an apply-time error.
   * The step receives the values; its checkpointed input keeps the placeholders.
   */
  secretFields?: 'all' | readonly string[];
  run(input: Static<S>, ctx: StepContext): Promise<StepOutcome>;
}

/** Keeps a step type's `run` typed by its input schema. */
export function defineStepType<S extends TObject>(stepType: StepType<S>): StepType<S> {
  return stepType;
}

export interface StepContext {
  runId: string;
  workspaceId: number;
  workflowId: string;
  /** The step's id; inside a `map`, e.g. `each[2].fetch`. */
  stepId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** The same for every attempt of this step of this run: use it as an idempotency key with peers. */
  idempotencyKey: string;
  /** Aborted when the step times out, the run times out, or the worker loses the run. */
  signal: AbortSignal;
  now(): number;
  /** When this attempt asked to wait and is now being resumed: the time it asked for. */
  resumedFrom: { wakeAt: number } | null;
  /** Runs nested steps (for `map`): checkpointed like any step, under ids `<stepId>[<key>].<subId>`. */
  runNested(steps: unknown[], key: string, scope: Record<string, unknown>): Promise<NestedOutcome>;
  /** Starts and reads child runs (for `workflow`). */
  childRuns: ChildRuns;
  /** Budgets a step type enforces itself (SPEC §16): most items of one `map`. */
  limits: { mapItems: number };
  /**
   * Publishes text as it is produced (an `llm` step with `stream: true`): subscribers of the
   * run's events get it as `step.delta`, coalesced, until the step's attempt ends. Optional
   * for callers that run step types outside the engine.
   */
  streamText?(text: string): void;
  /**
   * Writes a line to the step's log (SPEC §17: `GET /workflow-runs/{runId}/logs`), masked like
   * outputs; lines are kept in order, at most SLIPWAY_MAX_LOG_LINES per run. Never throws.
   */
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
  /** Waitpoints for `wait` steps (implemented by the service layer); absent outside the engine. */
  waitpoints?: Waitpoints;
  /**
   * The W3C `traceparent` of this attempt's client span when traces are on (SPEC §17): a step
   * type that calls a peer sends it, so the peer's spans join the run's trace.
   */
  traceparent?: string;
  /** The step's expression scope `{inputs, steps, run}` and an evaluator over it plus `extra`, within the run's budget. */
  expressions?: { scope: Record<string, unknown>; evaluate(value: unknown, extra: Record<string, unknown>): Promise<unknown> };
}

/** Waitpoints as `wait` steps see them (SPEC §7); the service layer implements them over the store. */
export interface Waitpoints {
  /** Opens the waitpoint of one step attempt, once per `key`: opening again returns the same one. */
  open(request: WaitpointOpenRequest): Promise<WaitpointState>;
  /** Times out an OPEN waitpoint (its own `timeout` passed); returns its state either way. */
  timeOut(workspaceId: number, waitpointId: string): Promise<WaitpointState>;
  /** The notify request was sent, or failed with `error` (kept on the waitpoint). */
  markNotified(waitpointId: string, error: string | null): Promise<void>;
}

export interface WaitpointOpenRequest {
  runId: string;
  workspaceId: number;
  workflowId: string;
  stepId: string;
  key: string;
  kind: 'approval' | 'callback' | 'event';
  prompt: string | null;
  fields: unknown[] | null;
  event: string | null;
  match: string | null;
  matchScope: Record<string, unknown> | null;
  expiresAt: number | null;
}

export interface WaitpointState {
  id: string;
  kind: 'approval' | 'callback' | 'event';
  status: 'OPEN' | 'COMPLETED' | 'TIMED_OUT' | 'CANCELED';
  decision: string | null;
  data: unknown;
  completedBy: string | null;
  completedAt: number | null;
  expiresAt: number | null;
  /** True once the notify request was sent or tried. */
  notified: boolean;
  callbackUrl: string | null;
  approveUrl: string;
}

/** Child runs started by `workflow` steps (implemented by the service layer). */
export interface ChildRuns {
  /**
   * Starts a run of `workflowId` in the parent's workspace, once per `key`: calling again
   * with the same key returns the same child. Inputs are validated like any run's.
   */
  start(request: { parentRunId: string; workspaceId: number; workflowId: string; inputs: Record<string, unknown>; key: string }): Promise<ChildStart>;
  /** The child's state, or null when it is unknown. */
  get(workspaceId: number, runId: string): Promise<{ status: string; output: unknown; error: { code: string; message: string } | null } | null>;
}

/** `code`: the step error code of a refusal (e.g. CHILD_RUN_LIMIT); STEP_FAILED when absent. */
export type ChildStart = { kind: 'started'; runId: string } | { kind: 'refused'; message: string; code?: string };

export type StepTypeRegistry = ReadonlyMap<string, StepType>;
