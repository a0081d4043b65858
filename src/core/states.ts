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

/** Error codes a FAILED run carries in `error.code` (SPEC §4). */
export const RunErrorCode = {
  START_FAILED: 'START_FAILED',
  WORKFLOW_FAILED: 'WORKFLOW_FAILED',
  TIMEOUT: 'TIMEOUT',
} as const;
export type RunErrorCode = (typeof RunErrorCode)[keyof typeof RunErrorCode];

export const WorkflowStatus = { DRAFT: 'draft', PUBLISHED: 'published' } as const;
export type WorkflowStatus = (typeof WorkflowStatus)[keyof typeof WorkflowStatus];
