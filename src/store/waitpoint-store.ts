/**
 * Waitpoints (SPEC §7): what a `wait` step waits for — an approval, a callback or an event.
 * Opening is idempotent per step attempt (`openKey`); every completion (approval, callback,
 * event, time-out) is guarded by `status = 'OPEN'` and makes the run due in the same
 * transaction, so each waitpoint completes once and a crash between the two loses nothing.
 * A run's OPEN waitpoints are closed by `finishRun` in the run's own transaction.
 */
/** How long a `POST /events` id is remembered for de-duplication (SPEC §7). */
export const EVENT_DEDUP_WINDOW_MS = 24 * 60 * 60 * 1000;

export const WaitpointKind = { APPROVAL: 'approval', CALLBACK: 'callback', EVENT: 'event' } as const;
export type WaitpointKind = (typeof WaitpointKind)[keyof typeof WaitpointKind];

export const WaitpointStatus = { OPEN: 'OPEN', COMPLETED: 'COMPLETED', TIMED_OUT: 'TIMED_OUT', CANCELED: 'CANCELED' } as const;
export type WaitpointStatus = (typeof WaitpointStatus)[keyof typeof WaitpointStatus];

export type WaitpointDecision = 'approved' | 'rejected' | 'received' | 'timed_out';

export interface Waitpoint {
  id: string;
  workspaceId: number;
  runId: string;
  workflowId: string;
  stepId: string;
  kind: WaitpointKind;
  status: WaitpointStatus;
  prompt: string | null;
  /** Approval form items, shaped like workflow inputs (InputSchemaItem). */
  fields: unknown[] | null;
  event: string | null;
  match: string | null;
  matchScope: Record<string, unknown> | null;
  createdAt: number;
  expiresAt: number | null;
  completedAt: number | null;
  decision: WaitpointDecision | null;
  data: unknown;
  completedBy: string | null;
  notifiedAt: number | null;
  notifyError: string | null;
}

export interface NewWaitpoint {
  id: string;
  openKey: string;
  workspaceId: number;
  runId: string;
  workflowId: string;
  stepId: string;
  kind: WaitpointKind;
  prompt: string | null;
  fields: unknown[] | null;
  event: string | null;
  match: string | null;
  matchScope: Record<string, unknown> | null;
  expiresAt: number | null;
  now: number;
}

export interface WaitpointCompletion {
  workspaceId: number;
  waitpointId: string;
  /** COMPLETED (approval, callback, event) or TIMED_OUT (the wait's own timeout). */
  status: typeof WaitpointStatus.COMPLETED | typeof WaitpointStatus.TIMED_OUT;
  decision: WaitpointDecision;
  data: unknown;
  by: string | null;
  now: number;
}

/** "Lost the race" and "not there" are values, not errors. */
export type CompleteWaitpointResult =
  | { kind: 'completed'; waitpoint: Waitpoint }
  | { kind: 'not_open'; waitpoint: Waitpoint }
  | { kind: 'not_found' };

export interface WaitpointFilter {
  status?: WaitpointStatus;
  kind?: WaitpointKind;
  workflowId?: string;
}

export interface WaitpointStore {
  /**
   * Opens the waitpoint of one step attempt, or returns the one already opened under
   * `openKey`. A new one appends `waitpoint.opened` to the run's events and records the
   * `waitpoint.opened` webhook deliveries (body `opened.payload`) in the same transaction.
   */
  openWaitpoint(waitpoint: NewWaitpoint, webhookBody: (waitpoint: Waitpoint) => string): Promise<Waitpoint>;
  getWaitpoint(workspaceId: number, waitpointId: string): Promise<Waitpoint | null>;
  /** Any workspace's: only for the token-less callback, after its secret was checked. */
  findWaitpointById(waitpointId: string): Promise<Waitpoint | null>;
  /** Newest first. */
  listWaitpoints(workspaceId: number, filter: WaitpointFilter, page: { page: number; limit: number }): Promise<{ items: Waitpoint[]; total: number }>;
  listRunWaitpoints(workspaceId: number, runId: string): Promise<Waitpoint[]>;
  /** How many of the workspace's runs wait at an OPEN waitpoint (for the concurrent-run limit's 429 message). */
  countRunsAtOpenWaitpoints(workspaceId: number): Promise<number>;
  /** Completes an OPEN waitpoint and makes its run due, in one transaction (with `waitpoint.completed`). */
  completeWaitpoint(completion: WaitpointCompletion): Promise<CompleteWaitpointResult>;
  /** OPEN `event` waitpoints of the workspace waiting for `event`, oldest first. */
  listOpenEventWaitpoints(workspaceId: number, event: string): Promise<Waitpoint[]>;
  /**
   * Records a `POST /events` id; false when the same id was recorded within `windowMs`
   * (the event is a repeat and matches nothing).
   */
  recordEventId(workspaceId: number, eventId: string, now: number, windowMs: number): Promise<boolean>;
  /** Deletes up to `limit` event ids recorded before `recordedBefore` (the retention sweeper); how many. */
  forgetEventIds(recordedBefore: number, limit: number): Promise<number>;
  /** The step's notify request was sent (or failed with `error`). */
  markWaitpointNotified(waitpointId: string, now: number, error: string | null): Promise<void>;
}
