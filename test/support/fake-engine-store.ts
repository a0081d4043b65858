import type { ClaimRunsInput, FinishRunInput, LeaseRef } from '../../src/store/lease-store.js';
import type { Run, StepAttempt, WorkflowVersion } from '../../src/store/store.js';

/**
 * An in-memory store with exactly what the engine uses (claims, the guarded lease writes,
 * versions, checkpoints, wake-ups), for engine unit tests on a fake clock. Its guards
 * follow the contract suite's: a write names the current claim or is refused. Every
 * refused write is counted, so tests can assert a stale executor tried and failed.
 */
export function createFakeEngineStore() {
  const runs = new Map<string, Run & { wakeRequested: boolean }>();
  const attempts = new Map<string, StepAttempt[]>();
  const versions = new Map<string, WorkflowVersion>();
  const listeners = new Set<() => void>();
  let claims = 0;
  const refused: string[] = [];

  const held = (lease: LeaseRef) => {
    const run = runs.get(lease.runId);
    const ok = run && run.leaseOwner === lease.workerId && run.claimToken === lease.claimToken && (run.status === 'STARTING' || run.status === 'RUNNING');
    return ok ? run : null;
  };
  const guard = (what: string, lease: LeaseRef) => {
    const run = held(lease);
    if (!run) refused.push(`${what} ${lease.runId}`);
    return run;
  };
  const notify = () => listeners.forEach((listener) => listener());

  return {
    refused,
    /** Publishes a definition as version 1 of `workflowId`. */
    publish(workflowId: string, definition: unknown) {
      versions.set(workflowId, { workspaceId: 1, workflowId, version: 1, definition, createdAt: 0 });
    },
    /** Queues a run of `workflowId` and wakes the pools. */
    queue(id: string, workflowId: string, now: number, inputs: Record<string, unknown> = {}) {
      runs.set(id, {
        id, workspaceId: 1, workflowId, status: 'QUEUED', inputs, metadata: null, idempotencyKey: null, workflowVersion: null,
        executionId: null, output: null, error: null, parentRunId: null, createdAt: now, updatedAt: now, startedAt: null,
        completedAt: null, leaseOwner: null, leaseExpiresAt: null, claimCount: 0, claimToken: null, trigger: { type: 'api' }, rootRunId: id, depth: 0, wakeRequested: false,
        priority: 0, notBefore: null, queueAt: now, expiresAt: null, concurrencyKey: null, concurrencyLimit: null,
      });
      notify();
    },
    run: (id: string) => runs.get(id)!,
    attempts: (id: string) => attempts.get(id) ?? [],
    /** Another worker claims the run now, as after this one's lease expired. */
    takeOver(id: string, workerId: string, now: number, leaseMs: number) {
      const run = runs.get(id)!;
      Object.assign(run, { leaseOwner: workerId, claimToken: `stolen-${++claims}`, leaseExpiresAt: now + leaseMs, claimCount: run.claimCount + 1 });
    },

    async claimRuns(input: ClaimRunsInput): Promise<Run[]> {
      const excluded = new Set(input.excludeRunIds ?? []);
      const active = (r: Run) => (r.status === 'STARTING' || r.status === 'RUNNING') && r.leaseExpiresAt !== null && r.leaseExpiresAt <= input.now;
      const due = [...runs.values()].filter((r) => active(r) && !excluded.has(r.id));
      const queued = [...runs.values()].filter((r) => r.status === 'QUEUED');
      const picked = [...due, ...queued].slice(0, input.limit);
      for (const run of picked) {
        if (run.status === 'QUEUED') {
          Object.assign(run, { status: 'STARTING', executionId: input.newExecutionId(), startedAt: input.now, workflowVersion: versions.has(run.workflowId) ? 1 : null });
        }
        Object.assign(run, { leaseOwner: input.workerId, claimToken: `claim-${++claims}`, leaseExpiresAt: input.now + input.leaseMs, claimCount: run.claimCount + 1, wakeRequested: false });
      }
      return picked.map((run) => ({ ...run }));
    },
    onRunsQueued(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async renewLease(lease: LeaseRef, leaseExpiresAt: number) {
      const run = guard('renew', lease);
      if (run) run.leaseExpiresAt = leaseExpiresAt;
      return run !== null;
    },
    async markRunRunning(lease: LeaseRef, now: number) {
      const run = guard('markRunning', lease);
      if (run && run.status === 'STARTING') Object.assign(run, { status: 'RUNNING', updatedAt: now });
      return run !== null;
    },
    async releaseRun(lease: LeaseRef, availableAt: number, now: number) {
      const run = guard('release', lease);
      if (!run) return false;
      const at = run.wakeRequested ? Math.min(availableAt, now) : availableAt;
      Object.assign(run, { leaseOwner: null, claimToken: null, leaseExpiresAt: at, wakeRequested: false });
      if (at <= now) notify();
      return true;
    },
    async finishRun(input: FinishRunInput) {
      const run = guard('finish', input.lease);
      if (!run) return false;
      Object.assign(run, { status: input.status, output: input.output, error: input.error, updatedAt: input.now, completedAt: input.now, leaseOwner: null, claimToken: null, leaseExpiresAt: null });
      return true;
    },
    async saveStepAttempt(lease: LeaseRef, attempt: StepAttempt) {
      if (!guard(`save ${attempt.stepId}#${attempt.attempt} ${attempt.status}`, lease)) return false;
      const list = attempts.get(attempt.runId) ?? [];
      const at = list.findIndex((a) => a.stepId === attempt.stepId && a.attempt === attempt.attempt);
      if (at >= 0) list[at] = { ...attempt };
      else list.push({ ...attempt });
      attempts.set(attempt.runId, list);
      return true;
    },
    async wakeRun(runId: string, now: number) {
      const run = runs.get(runId);
      if (!run || (run.status !== 'STARTING' && run.status !== 'RUNNING')) return false;
      if (run.leaseOwner === null) run.leaseExpiresAt = Math.min(run.leaseExpiresAt ?? now, now);
      else run.wakeRequested = true;
      return true;
    },
    async getWorkflowVersion(_workspaceId: number, workflowId: string) {
      return versions.get(workflowId) ?? null;
    },
    async listStepAttempts(runId: string) {
      return (attempts.get(runId) ?? []).map((a) => ({ ...a }));
    },
  };
}

export type FakeEngineStore = ReturnType<typeof createFakeEngineStore>;
