import { StepErrorCode } from '../core/states.js';
import { DEFAULT_EXPRESSION_BUDGET, type ExpressionBudget } from '../workflow/expressions.js';

/**
 * What one run may cost (SPEC §16). Going over a budget fails the step, without retries,
 * with the budget's code; the run ends FAILED (`WORKFLOW_FAILED`) naming the step.
 */
export interface RunBudgets {
  expression: ExpressionBudget;
  /** Largest step output, step input and run output, as JSON bytes (`SLIPWAY_MAX_OUTPUT`). */
  maxOutputBytes: number;
  /** Most items of one `map` (`SLIPWAY_MAX_MAP_ITEMS`). */
  maxMapItems: number;
  /** Times a step may stop its worker (crash, kill, stall) before the run fails (`SLIPWAY_MAX_CLAIMS`). */
  maxClaims: number;
  /** Most step log lines kept per run (`SLIPWAY_MAX_LOG_LINES`, 1,000); default when absent. */
  maxLogLines?: number;
}

export const DEFAULT_RUN_BUDGETS: Readonly<RunBudgets> = Object.freeze({
  expression: DEFAULT_EXPRESSION_BUDGET,
  maxOutputBytes: 10 * 1024 * 1024,
  maxMapItems: 10_000,
  maxClaims: 10,
});

export const OUTPUT_TOO_LARGE = StepErrorCode.OUTPUT_TOO_LARGE;

/** The JSON size of a value in bytes, or null when it is within `maxBytes`. */
export function oversizeOf(value: unknown, maxBytes: number): number | null {
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return null;
  // A string's UTF-8 size is at most 3 bytes per UTF-16 unit: most values need no serialising to be cleared.
  if (typeof value === 'string' && value.length * 3 + 2 <= maxBytes) return null;
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? 'null');
  return bytes > maxBytes ? bytes : null;
}

export function tooLargeMessage(what: string, bytes: number, maxBytes: number): string {
  return `${what} is ${bytes} bytes of JSON, more than the budget of ${maxBytes} bytes (SLIPWAY_MAX_OUTPUT)`;
}

