import type { RunStatus, WorkflowStatus } from '../core/states.js';
import type {
  ApiToken,
  Organization,
  Run,
  RunError,
  StepAttempt,
  TokenWithWorkspace,
  Workflow,
  WorkflowFields,
  WorkflowVersion,
  Workspace,
} from './types.js';
import type { WebhookStore } from './webhook-store.js';

export type * from './types.js';
export type * from './webhook-store.js';

/**
 * The one seam between Slipway and its database (STYLE principles 1, 2). Every
 * operation is a domain operation; each backend writes its own SQL. Operations that
 * can lose a race return a result instead of throwing. The shared contract suite in
 * test/store-contract.test.ts runs against every implementation.
 */
export interface Store extends WebhookStore {
  /** Applies pending migrations; safe when several processes start at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // --- tenancy -----------------------------------------------------------
  createOrganization(name: string, now: number): Promise<Organization>;
  getOrganization(id: number): Promise<Organization | null>;
  /** Creates a workspace; `organizationId` null means the first organization (created if none). */
  createWorkspace(input: NewWorkspace): Promise<Workspace>;
  getWorkspace(id: number): Promise<Workspace | null>;
  listWorkspaces(): Promise<Workspace[]>;
  /**
   * Creates the default organization and workspace when the database has no workspace
   * at all, atomically; returns the new workspace, or null when one existed already.
   */
  createDefaultWorkspaceIfEmpty(now: number): Promise<Workspace | null>;

  // --- tokens ------------------------------------------------------------
  createToken(token: ApiToken): Promise<void>;
  findTokenByHash(hash: string): Promise<TokenWithWorkspace | null>;
  listTokens(workspaceId: number): Promise<ApiToken[]>;
  getToken(workspaceId: number, tokenId: string): Promise<ApiToken | null>;
  /** Revokes a live token; returns false when unknown in the workspace or already revoked. */
  revokeToken(workspaceId: number, tokenId: string, now: number): Promise<boolean>;
  recordTokenUse(tokenId: string, now: number): Promise<void>;

  // --- workflows ---------------------------------------------------------
  /**
   * Creates or updates a workflow from an applied definition, atomically. With
   * `publish`, adds version `totalVersions + 1` and makes it the default, unless the
   * definition equals the current default version's (then nothing new is published).
   */
  applyWorkflow(input: ApplyWorkflowInput): Promise<ApplyWorkflowResult>;
  getWorkflow(workspaceId: number, workflowId: string): Promise<Workflow | null>;
  listWorkflows(workspaceId: number, query: WorkflowListQuery): Promise<{ items: Workflow[]; total: number }>;
  getWorkflowVersion(workspaceId: number, workflowId: string, version: number): Promise<WorkflowVersion | null>;
  listWorkflowVersions(workspaceId: number, workflowId: string): Promise<WorkflowVersion[]>;

  // --- runs: API side ----------------------------------------------------
  /**
   * Inserts a QUEUED run, with the idempotency check and the workspace's limits
   * evaluated atomically with the insert: concurrent calls never overshoot a limit
   * and never create two runs for one key.
   */
  createRun(input: NewRun): Promise<CreateRunResult>;
  getRun(workspaceId: number, runId: string): Promise<Run | null>;
  findRunByIdempotencyKey(workspaceId: number, key: string): Promise<Run | null>;
  listRuns(workspaceId: number, query: RunListQuery): Promise<{ items: Run[]; total: number }>;
  /** QUEUED → CANCELED, guarded in SQL; a run a worker claimed first is `not_cancelable`. */
  cancelQueuedRun(workspaceId: number, runId: string, now: number): Promise<CancelRunResult>;
  /** Listens for runs becoming claimable (in-process, or LISTEN/NOTIFY); polling stays the truth. */
  onRunsQueued(listener: () => void): () => void;

  // --- runs: engine side -------------------------------------------------
  /**
   * Claims up to `limit` runs for `workerId`: first runs whose lease has expired
   * (crashed workers, due waits), then QUEUED runs, oldest first. A QUEUED run moves
   * to STARTING with its version pinned (the workflow's default version then) and an
   * execution id. Each claimed run gets a lease until `now + leaseMs`.
   */
  claimRuns(input: ClaimRunsInput): Promise<Run[]>;
  /** Extends the lease; false when the worker no longer holds it. */
  renewLease(runId: string, workerId: string, leaseExpiresAt: number): Promise<boolean>;
  /** STARTING → RUNNING under the worker's lease; false when the lease was lost. */
  markRunRunning(runId: string, workerId: string, now: number): Promise<boolean>;
  /**
   * Gives the run up without finishing it: the lease owner is cleared and the run is
   * claimable again at `availableAt` (now, or when a wait is due) — or at `now` when a
   * `wakeRun` arrived while the worker held it. Clears that wake request.
   */
  releaseRun(runId: string, workerId: string, availableAt: number, now: number): Promise<boolean>;
  /**
   * Makes a waiting run due now, e.g. a parent whose child run just finished. A run no
   * worker holds becomes claimable at once; a run a worker holds is marked, so that
   * worker's next `releaseRun` makes it due at once whatever wake time it asks for
   * (otherwise the wake-up would be lost in the window before the release). Returns
   * false when the run is not STARTING or RUNNING.
   */
  wakeRun(runId: string, now: number): Promise<boolean>;
  /**
   * STARTING/RUNNING → COMPLETED or FAILED under the worker's lease. Returns false when
   * the lease was lost, so a run is never completed twice.
   */
  finishRun(input: FinishRunInput): Promise<boolean>;

  // --- steps -------------------------------------------------------------
  /** Inserts or updates one step attempt, only while `workerId` holds the run's lease. */
  saveStepAttempt(workerId: string, attempt: StepAttempt): Promise<boolean>;
  listStepAttempts(runId: string): Promise<StepAttempt[]>;
}

export interface NewWorkspace {
  name: string;
  organizationId: number | null;
  dailyRunLimit: number | null;
  concurrentRunLimit: number | null;
  now: number;
}

export interface ApplyWorkflowInput {
  workspaceId: number;
  /** Existing or new `_id`. */
  workflowId: string;
  /** Used when the workflow is created. */
  uuid: string;
  fields: WorkflowFields;
  definition: unknown;
  publish: boolean;
  now: number;
}

export interface ApplyWorkflowResult {
  workflow: Workflow;
  created: boolean;
  /** The version published by this apply, or null. */
  publishedVersion: number | null;
}

export interface WorkflowListQuery {
  status?: WorkflowStatus;
  search?: string;
  page: number;
  limit: number;
}

export interface RunListQuery {
  workflowId?: string;
  status?: RunStatus;
  page: number;
  limit: number;
}

export interface NewRun {
  id: string;
  workspaceId: number;
  workflowId: string;
  inputs: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
  idempotencyKey: string | null;
  parentRunId: string | null;
  /** Skip the workspace's limits (child runs of a `workflow` step). */
  ignoreLimits: boolean;
  now: number;
  /** Start of the current UTC day, for the daily limit. */
  dayStart: number;
}

export type CreateRunResult =
  | { kind: 'created'; run: Run }
  | { kind: 'replayed'; run: Run }
  | { kind: 'idempotency_conflict'; run: Run }
  | { kind: 'daily_limit_exceeded'; limit: number }
  | { kind: 'concurrent_limit_exceeded'; limit: number };

export type CancelRunResult =
  | { kind: 'canceled'; run: Run }
  | { kind: 'not_found' }
  | { kind: 'not_cancelable'; run: Run };

export interface ClaimRunsInput {
  workerId: string;
  limit: number;
  leaseMs: number;
  now: number;
  /** Generates the execution id for each newly started run. */
  newExecutionId: () => string;
}

export interface FinishRunInput {
  runId: string;
  workerId: string;
  status: typeof RunStatus.COMPLETED | typeof RunStatus.FAILED;
  output: unknown;
  error: RunError | null;
  now: number;
}
