/**
 * Budgets of one JSONata evaluation (SPEC §16): time, depth, and the size of what it
 * builds. On the main thread they are enforced through JSONata's evaluate hooks
 * (`jsonata.__evaluate_entry` / `__evaluate_exit`, called around every node): the hook
 * counts the expression's own running time, yields the event loop every
 * `SLICE_MS` so no expression blocks the API or other runs for long, and fails the
 * expression when its time, depth or value size goes over budget. What hooks cannot
 * interrupt (a regex that backtracks, a range or sort over millions of items) is
 * evaluated in a worker thread with a hard limit instead (expression-worker.ts).
 */

export interface ExpressionBudget {
  /** Running time one expression may use (`SLIPWAY_EXPRESSION_TIMEOUT`). */
  timeoutMs: number;
  /** Deepest nesting of JSONata evaluation, e.g. recursion (`SLIPWAY_EXPRESSION_MAX_DEPTH`). */
  maxDepth: number;
  /** Largest string or list an expression may build, in characters or items (from `SLIPWAY_MAX_OUTPUT`). */
  maxValueSize: number;
}

export const DEFAULT_EXPRESSION_BUDGET: Readonly<ExpressionBudget> = Object.freeze({ timeoutMs: 1000, maxDepth: 500, maxValueSize: 10 * 1024 * 1024 });

/**
 * Longest list an expression may build, item by item (JSONata's `sequence` guard, which
 * also bounds a range `[1..n]`): a million items is far beyond any sane template.
 */
export const MAX_LIST_ITEMS = 1_000_000;

/** How long an expression runs on the main thread before it lets other work in. */
export const SLICE_MS = 50;

export type ExpressionLimitCode = 'EXPRESSION_TIMEOUT' | 'EXPRESSION_TOO_DEEP' | 'OUTPUT_TOO_LARGE';

/** An expression went over one of its budgets; `code` is the step error code. */
export class ExpressionLimitError extends Error {
  readonly code: ExpressionLimitCode;
  constructor(code: ExpressionLimitCode, message: string) {
    super(message);
    this.name = 'ExpressionLimitError';
    this.code = code;
  }
}

export function timeoutError(budget: ExpressionBudget): ExpressionLimitError {
  return new ExpressionLimitError('EXPRESSION_TIMEOUT', `the expression ran longer than its budget of ${budget.timeoutMs} ms (SLIPWAY_EXPRESSION_TIMEOUT)`);
}

export function tooDeepError(budget: ExpressionBudget, detail = ''): ExpressionLimitError {
  return new ExpressionLimitError('EXPRESSION_TOO_DEEP', `the expression nested deeper than ${budget.maxDepth} levels${detail} (SLIPWAY_EXPRESSION_MAX_DEPTH)`);
}

export function tooLargeError(budget: ExpressionBudget): ExpressionLimitError {
  return new ExpressionLimitError('OUTPUT_TOO_LARGE', `the expression built a string longer than ${budget.maxValueSize} characters (SLIPWAY_MAX_OUTPUT) or a list of more than ${MAX_LIST_ITEMS} items`);
}

/** JSONata's own errors that mean a budget: D1011 stack, D2015 sequence, a RangeError of the JS stack. */
export function budgetErrorOf(error: unknown, budget: ExpressionBudget): ExpressionLimitError | null {
  if (error instanceof ExpressionLimitError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'D2015' || code === 'D2014') return tooLargeError(budget);
  if (code === 'D1011' || (error instanceof RangeError && /call stack/.test(error.message))) return tooDeepError(budget);
  return null;
}

/** Per-evaluation bookkeeping of the hooks. */
interface Meter {
  budget: ExpressionBudget;
  used: number;
  sliceStart: number;
  nodes: number;
}

/** What the hooks see of JSONata's evaluation environment. */
interface HookEnvironment {
  base: { depth: number; slipwayMeter?: Meter; lookup(name: string): unknown };
}

export const METER_BINDING = '__slipway_meter';

export function newMeter(budget: ExpressionBudget): Meter {
  return { budget, used: 0, sliceStart: performance.now(), nodes: 0 };
}

function meterOf(environment: HookEnvironment): Meter | undefined {
  const base = environment.base;
  return base.slipwayMeter ?? (base.slipwayMeter = base.lookup(METER_BINDING) as Meter | undefined);
}

const yieldToEventLoop = (meter: Meter) => new Promise<void>((resolve) => setImmediate(() => {
  meter.sliceStart = performance.now();
  resolve();
}));

/** Called before every node: depth, time, and a pause for the event loop once a slice is used up. */
export function onEvaluateEntry(_node: unknown, _input: unknown, environment: HookEnvironment): Promise<void> | undefined {
  const meter = meterOf(environment);
  if (!meter) return undefined;
  if (environment.base.depth > meter.budget.maxDepth) throw tooDeepError(meter.budget);
  // Reading the clock on every node costs more than the check is worth: every 32nd.
  if ((++meter.nodes & 31) !== 0) return undefined;
  const now = performance.now();
  const slice = now - meter.sliceStart;
  if (meter.used + slice > meter.budget.timeoutMs) throw timeoutError(meter.budget);
  if (slice < SLICE_MS) return undefined;
  meter.used += slice;
  return yieldToEventLoop(meter);
}

/** Called after every node: no string or list bigger than the output budget is built. */
export function onEvaluateExit(_node: unknown, _input: unknown, environment: HookEnvironment, result: unknown): undefined {
  const budget = environment.base.slipwayMeter?.budget;
  if (budget === undefined) return undefined;
  if ((typeof result === 'string' && result.length > budget.maxValueSize) || (Array.isArray(result) && result.length > MAX_LIST_ITEMS)) throw tooLargeError(budget);
  return undefined;
}
