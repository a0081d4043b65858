import { QUEUE_POSITION_CAP, type RunWaiting } from '../api/waiting-schemas.js';
import type { Clock } from '../core/clock.js';
import { RunStatus, StepErrorCode, StepStatus } from '../core/states.js';
import type { Run, StepAttempt, Store, WorkerRecord } from '../store/store.js';
import { WaitpointStatus } from '../store/waitpoint-store.js';
import { maxAttemptsOfStep } from './step-definitions.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

type WaitingStoreReads = Pick<
  Store,
  'countQueuedAhead' | 'countRunningWithKey' | 'listLiveWorkers' | 'lastWorkerSeenAt' | 'listStepAttempts' | 'listRunWaitpoints' | 'findRunByIdempotencyKey' | 'getWorkflowVersion'
>;

/**
 * "Why is this run waiting?" (SPEC §12): the first reason of the table that applies, or null
 * (STARTING, terminal, or RUNNING with a step executing). Each reason is a read of state that
 * already exists: the claimable queue ahead (bounded), the live workers, the run's checkpoints
 * (wake times of retries and delays), its open waitpoint and its child run.
 *
 * @example
 * const { waitingOf } = createRunWaiting({ store, clock });
 * await waitingOf(run); // { reason: 'queue', since: '…', detail: { position: 12, workers: 1 } }
 */
export function createRunWaiting(deps: { store: WaitingStoreReads; clock: Clock }) {
  const { store, clock } = deps;

  async function queuedWaiting(run: Run, liveWorkers: Promise<WorkerRecord[]>): Promise<RunWaiting> {
    const notBefore = run.notBefore;
    if (notBefore !== null && notBefore > clock.now()) {
      return { reason: 'scheduled', since: iso(run.createdAt), until: iso(notBefore), detail: { not_before: iso(notBefore) } };
    }
    // Waiting since it became claimable (its creation, or its not_before).
    const since = iso(Math.max(run.createdAt, notBefore ?? 0));
    const limit = run.concurrencyLimit;
    const key = run.concurrencyKey;
    if (limit !== null && key !== null) {
      const running = await store.countRunningWithKey(run.workspaceId, run.workflowId, key);
      if (running >= limit) return { reason: 'concurrency_key', since, detail: { key, limit, running } };
    }
    const workers = await liveWorkers;
    if (workers.length === 0) return { reason: 'no_workers', since, detail: { last_seen_at: isoOrNull(await store.lastWorkerSeenAt()) } };
    const position = await store.countQueuedAhead(run, clock.now(), QUEUE_POSITION_CAP);
    return { reason: 'queue', since, detail: { position, workers: workers.length } };
  }

  async function runningWaiting(run: Run): Promise<RunWaiting | null> {
    const attempts = await store.listStepAttempts(run.id);
    const latest = latestAttempts(attempts);
    if (latest.some((attempt) => attempt.status === StepStatus.RUNNING)) return null;
    const waiting = latest.filter((attempt) => attempt.status === StepStatus.WAITING);

    if (waiting.some((attempt) => attempt.stepType === 'wait')) {
      const open = (await store.listRunWaitpoints(run.workspaceId, run.id))
        .filter((waitpoint) => waitpoint.status === WaitpointStatus.OPEN)
        .sort((a, b) => a.createdAt - b.createdAt)[0];
      if (open) {
        return { reason: 'waitpoint', since: iso(open.createdAt), detail: { waitpoint_id: open.id, kind: open.kind, expires_at: isoOrNull(open.expiresAt) } };
      }
    }
    for (const attempt of waiting.filter((a) => a.stepType === 'workflow')) {
      // The child's idempotency key is the step's key and attempt (service/child-runs.ts, steps/workflow-step.ts).
      const child = await store.findRunByIdempotencyKey(run.workspaceId, `slipway-child:${run.id}:${attempt.stepId}#${attempt.attempt}`);
      if (child) return { reason: 'child_run', since: iso(attempt.startedAt), detail: { run_id: child.id } };
    }
    const retry = latest.find((attempt) => attempt.status === StepStatus.FAILED && attempt.wakeAt !== null);
    if (retry) return retryWaiting(run, retry, attempts);
    const delay = waiting.find((attempt) => attempt.stepType === 'delay');
    if (delay) {
      return { reason: 'delay', since: iso(delay.startedAt), ...(delay.wakeAt !== null ? { until: iso(delay.wakeAt) } : {}), detail: { step_id: delay.stepId } };
    }
    return null;
  }

  async function retryWaiting(run: Run, failed: StepAttempt, attempts: StepAttempt[]): Promise<RunWaiting> {
    const failures = attempts.filter((a) => a.stepId === failed.stepId && a.status === StepStatus.FAILED && a.error?.code !== StepErrorCode.INTERRUPTED).length;
    const version = run.workflowVersion === null ? null : await store.getWorkflowVersion(run.workspaceId, run.workflowId, run.workflowVersion);
    const maxAttempts = version ? maxAttemptsOfStep(version.definition, failed.stepId) : null;
    return {
      reason: 'retry',
      since: iso(failed.finishedAt ?? failed.startedAt),
      until: iso(failed.wakeAt!),
      detail: { step_id: failed.stepId, attempt: failures + 1, max_attempts: maxAttempts ?? failures + 1 },
    };
  }

  async function waitingOf(run: Run, liveWorkers?: Promise<WorkerRecord[]>): Promise<RunWaiting | null> {
    switch (run.status) {
      case RunStatus.QUEUED:
        return queuedWaiting(run, liveWorkers ?? store.listLiveWorkers(clock.now()));
      case RunStatus.RUNNING:
        return runningWaiting(run);
      case RunStatus.STARTING:
      case RunStatus.COMPLETED:
      case RunStatus.FAILED:
      case RunStatus.CANCELED:
        return null;
    }
  }

  return {
    waitingOf: (run: Run) => waitingOf(run),
    /** For a page of runs: the live workers are read once. */
    async waitingOfList(runs: readonly Run[]): Promise<(RunWaiting | null)[]> {
      let liveWorkers: Promise<WorkerRecord[]> | undefined;
      return Promise.all(runs.map((run) => {
        if (run.status === RunStatus.QUEUED) liveWorkers ??= store.listLiveWorkers(clock.now());
        return waitingOf(run, liveWorkers);
      }));
    },
  };
}

/** The newest attempt of each step (sub-steps of a `map` included); the `map` step's own attempt is left out. */
function latestAttempts(attempts: readonly StepAttempt[]): StepAttempt[] {
  const byStep = new Map<string, StepAttempt>();
  for (const attempt of attempts) {
    const seen = byStep.get(attempt.stepId);
    if (!seen || attempt.attempt > seen.attempt) byStep.set(attempt.stepId, attempt);
  }
  return [...byStep.values()].filter((attempt) => attempt.stepType !== 'map');
}

export type RunWaitingOf = ReturnType<typeof createRunWaiting>;
