/** Public run states (SPEC §4). A const object plus a union type: no TS enum. */
export const RunStatus = {
  QUEUED: 'QUEUED',
  STARTING: 'STARTING',
  RUNNING: 'RUNNING',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  CANCELED: 'CANCELED',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

const TERMINAL_RUN_STATUSES: readonly RunStatus[] = [RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED];

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.includes(status);
}

/** States of one step attempt, as recorded in the store. */
export const StepStatus = {
  PENDING: 'PENDING',
  RUNNING: 'RUNNING',
  WAITING: 'WAITING',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  SKIPPED: 'SKIPPED',
} as const;
export type StepStatus = (typeof StepStatus)[keyof typeof StepStatus];

/** The step states the API shows (`GET …/steps`): a WAITING attempt (a delay, a child run) shows as RUNNING. */
export const PUBLIC_STEP_STATUSES = [StepStatus.PENDING, StepStatus.RUNNING, StepStatus.COMPLETED, StepStatus.FAILED, StepStatus.SKIPPED] as const;

/** Error codes a FAILED run carries in `error.code` (SPEC §4). */
export const RunErrorCode = {
  START_FAILED: 'START_FAILED',
  WORKFLOW_FAILED: 'WORKFLOW_FAILED',
  TIMEOUT: 'TIMEOUT',
  /** Stopped by `POST …/abort` (SPEC §11), or as a child of a run that failed. */
  ABORTED: 'ABORTED',
} as const;
export type RunErrorCode = (typeof RunErrorCode)[keyof typeof RunErrorCode];

/**
 * Error codes a FAILED step attempt carries in `error.code` (shown by `GET …/steps`, and in the
 * run's error message). Host step types fail with `STEP_FAILED`; the budgets of SPEC §16 have
 * their own codes, none of them retried.
 */
export const StepErrorCode = {
  /** The step type's `run` answered `failed` (or threw). */
  STEP_FAILED: 'STEP_FAILED',
  /** The step's `with` does not match its type's input schema. */
  INVALID_INPUT: 'INVALID_INPUT',
  /** An expression in `if` or `with` failed to evaluate. */
  EXPRESSION_FAILED: 'EXPRESSION_FAILED',
  /** The pinned version names a step type this process does not have. */
  UNKNOWN_STEP_TYPE: 'UNKNOWN_STEP_TYPE',
  /** The step's own `timeout` or the run's deadline passed. */
  TIMEOUT: 'TIMEOUT',
  /** A worker stopped while the attempt ran; the step runs again (not counted as a retry). */
  INTERRUPTED: 'INTERRUPTED',
  /** SPEC §16 budgets. */
  EXPRESSION_TIMEOUT: 'EXPRESSION_TIMEOUT',
  EXPRESSION_TOO_DEEP: 'EXPRESSION_TOO_DEEP',
  OUTPUT_TOO_LARGE: 'OUTPUT_TOO_LARGE',
  TOO_MANY_ITEMS: 'TOO_MANY_ITEMS',
  CHILD_RUN_LIMIT: 'CHILD_RUN_LIMIT',
  /** The step stopped its worker `SLIPWAY_MAX_CLAIMS` times (the run fails). */
  TOO_MANY_CLAIMS: 'TOO_MANY_CLAIMS',
  /** A `{{ secrets.NAME }}` the workspace does not have (SPEC §13; not retried). */
  SECRET_NOT_FOUND: 'SECRET_NOT_FOUND',
} as const;
export type StepErrorCode = (typeof StepErrorCode)[keyof typeof StepErrorCode];

/** The step error codes of SPEC §16's budgets: a step failing with one is never retried. */
export const BUDGET_STEP_ERROR_CODES: ReadonlySet<string> = new Set<StepErrorCode>([
  StepErrorCode.EXPRESSION_TIMEOUT, StepErrorCode.EXPRESSION_TOO_DEEP, StepErrorCode.OUTPUT_TOO_LARGE,
  StepErrorCode.TOO_MANY_ITEMS, StepErrorCode.CHILD_RUN_LIMIT, StepErrorCode.TOO_MANY_CLAIMS,
]);

export const WorkflowStatus = { DRAFT: 'draft', PUBLISHED: 'published' } as const;
export type WorkflowStatus = (typeof WorkflowStatus)[keyof typeof WorkflowStatus];
