import type { RunTraceContext } from '../core/trace-context.js';
import type { RunStatus, StepStatus, WorkflowStatus } from '../core/states.js';

/** Domain records as the store keeps them. Times are epoch milliseconds. */

export interface Organization {
  id: number;
  name: string;
  createdAt: number;
}

export interface Workspace {
  id: number;
  organizationId: number;
  name: string;
  /** Runs that may be created per UTC day; null = unlimited. */
  dailyRunLimit: number | null;
  /** Runs that may be QUEUED, STARTING or RUNNING at once; null = unlimited. */
  concurrentRunLimit: number | null;
  /** How long finished runs are kept, per final status (SPEC §17). */
  retention: RunRetention;
  createdAt: number;
}

/** Milliseconds a finished run of each final status is kept after it ended; null = forever. */
export interface RunRetention {
  completed: number | null;
  failed: number | null;
  canceled: number | null;
}

export interface ApiToken {
  id: string;
  workspaceId: number;
  name: string;
  createdBy: string;
  /** First 12 and last 4 characters of the token, e.g. `slat_AbCdEfG...wxyz`. */
  preview: string;
  /** SHA-256 of the full token, hex. The token itself is never stored. */
  hash: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** A token looked up by hash, with what authorization needs of its workspace. */
export interface TokenWithWorkspace {
  token: ApiToken;
  workspace: Workspace;
}

/** The fields of a workflow shown in lists and pages; they follow the latest apply. */
export interface WorkflowFields {
  name: string;
  description: string;
  categories: string[];
  emoji: string;
  color: string;
  readme: string;
}

export interface Workflow extends WorkflowFields {
  workspaceId: number;
  id: string;
  uuid: string;
  /** Active published version, 0 when none. */
  defaultVersion: number;
  totalVersions: number;
  status: WorkflowStatus;
  /** The latest applied definition (published or not), as parsed JSON. */
  draftDefinition: unknown;
  createdAt: number;
  updatedAt: number;
}

export interface WorkflowVersion {
  workspaceId: number;
  workflowId: string;
  version: number;
  /** The immutable definition runs of this version execute. */
  definition: unknown;
  createdAt: number;
}

export interface RunError {
  code: string;
  message: string;
}

export interface Run {
  id: string;
  workspaceId: number;
  workflowId: string;
  status: RunStatus;
  inputs: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
  idempotencyKey: string | null;
  /** Pinned when a worker claims the run; null while QUEUED. */
  workflowVersion: number | null;
  /** Set when a worker claims the run; null while QUEUED. */
  executionId: string | null;
  output: unknown;
  error: RunError | null;
  /** The run that started this one through a `workflow` step, if any. */
  parentRunId: string | null;
  /** The top of this run's tree of child runs; null for a run that is itself a root. */
  rootRunId: string | null;
  /** 0 for a root run, 1 for its children, and so on. */
  depth: number;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  completedAt: number | null;
  /** Worker holding the run; null when free (queued, waiting or released). */
  leaseOwner: string | null;
  /** When the lease ends; for a waiting run, when it is due again. */
  leaseExpiresAt: number | null;
  /** How many times a worker has claimed the run. */
  claimCount: number;
  /** What started the run, as the API shows it (SPEC Part II), e.g. `{type: "schedule", schedule_id, fire_at}`. */
  trigger: RunTrigger;
  /** Fresh for every claim; every guarded write of the engine names it. Null when free. */
  claimToken: string | null;
  /** Why a CANCELED run was canceled when not by `POST …/cancel`: `aborted` (SPEC §11). */
  cancelReason?: string | null;
  /** Flow control (SPEC §12): seconds this run moves ahead of other runs of its workspace (0–86,400). */
  priority: number;
  /** Asked for with `delay` / `not_before`: not claimable before this; null = claimable at creation. */
  notBefore: number | null;
  /** The run's place in its workspace's queue: `(notBefore ?? createdAt) - priority s`. Claims order by it. */
  queueAt: number;
  /** From `ttl`: a run still QUEUED then is canceled (`cancel_reason: "expired"`); null = no ttl. */
  expiresAt: number | null;
  /** The workflow's `concurrency.key` evaluated at creation ('' without a key); null when not limited. */
  concurrencyKey: string | null;
  /** At most this many runs with this key are STARTING/RUNNING at once; null when not limited. */
  concurrencyLimit: number | null;
  /** The run's place in a trace (SPEC §17), made at creation; null for runs created before traces. */
  trace?: RunTraceContext | null;
}

/** What started a run: `{type: "api"}`, `{type: "child", parent_run_id}`, `{type: "schedule", schedule_id, fire_at}`, … */
export type RunTrigger = { type: string } & Record<string, unknown>;

/** One attempt of one step of a run: the engine's checkpoint. */
export interface StepAttempt {
  runId: string;
  stepId: string;
  attempt: number;
  stepType: string;
  status: StepStatus;
  input: unknown;
  output: unknown;
  error: RunError | null;
  startedAt: number;
  finishedAt: number | null;
  /** For a WAITING attempt: when the step is due again. */
  wakeAt: number | null;
}
