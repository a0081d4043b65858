import { StepStatus } from '../core/states.js';
import type { CreateRunResult, StepAttempt, Store } from '../store/store.js';
import type { Metrics } from './metrics.js';

/**
 * Feeds the counters where the state changes are written (SPEC §17): a run created,
 * claimed for the first time (queue wait), a step attempt finished, a webhook delivery
 * attempt recorded; runs that ended are counted from the store's `onRunsEnded`, which
 * every path that ends a run reports to (finish, cancel, bulk cancel, abort with the child
 * runs it aborts, overdue aborts). Only writes that took effect count (a lost race writes
 * nothing and counts nothing).
 */
export function withMetrics<S extends Store>(store: S, metrics: Metrics): S {
  store.onRunsEnded((runs) => {
    for (const run of runs) metrics.runsFinished.inc({ workspace: String(run.workspaceId), workflow: run.workflowId, status: run.status });
  });
  return {
    ...store,
    async createRun(input) {
      return countCreate(metrics, await store.createRun(input));
    },
    async createReplayRun(input) {
      return countCreate(metrics, await store.createReplayRun(input));
    },
    ...(store.createRunIfCurrent && {
      async createRunIfCurrent(input, guard) {
        const result = await store.createRunIfCurrent!(input, guard);
        if (result.kind !== 'not_created') countCreate(metrics, result);
        return result;
      },
    }),
    async createRuns(inputs) {
      const results = await store.createRuns(inputs);
      for (const result of results) countCreate(metrics, result);
      return results;
    },
    async recordScheduleFire(input) {
      const result = await store.recordScheduleFire(input);
      if (result.kind === 'recorded' && result.fire.runId !== null && input.attempt.kind === 'create') {
        metrics.runsCreated.inc({ workspace: String(input.workspaceId), workflow: input.attempt.run.workflowId });
      }
      return result;
    },
    async claimRuns(input) {
      const runs = await store.claimRuns(input);
      for (const run of runs) {
        if (run.claimCount === 1) metrics.queueWait.observe(Math.max(0, input.now - run.createdAt) / 1000);
      }
      return runs;
    },
    async saveStepAttempt(lease, attempt) {
      const saved = await store.saveStepAttempt(lease, attempt);
      if (saved) countAttempts(metrics, [attempt]);
      return saved;
    },
    // Checkpoints merged into the run's next write (issue 10) count as they are written.
    async saveProgress(lease, progress) {
      const saved = await store.saveProgress(lease, progress);
      if (saved) countAttempts(metrics, progress.attempts);
      return saved;
    },
    async finishRun(input) {
      const finished = await store.finishRun(input);
      if (finished && input.progress) countAttempts(metrics, input.progress.attempts);
      return finished;
    },
    async recordDeliveryAttempt(record) {
      const recorded = await store.recordDeliveryAttempt(record);
      if (recorded) metrics.webhookDeliveries.inc({ outcome: record.outcome.kind });
      return recorded;
    },
  };
}

/** Step durations (and llm tokens) of the attempts a write finished. */
function countAttempts(metrics: Metrics, attempts: readonly StepAttempt[]): void {
  for (const attempt of attempts) {
    if (attempt.finishedAt === null || (attempt.status !== StepStatus.COMPLETED && attempt.status !== StepStatus.FAILED)) continue;
    metrics.stepDuration.observe({ type: attempt.stepType }, Math.max(0, attempt.finishedAt - attempt.startedAt) / 1000);
    if (attempt.stepType === 'llm' && attempt.status === StepStatus.COMPLETED) countTokens(metrics, attempt.output);
  }
}

function countCreate(metrics: Metrics, result: CreateRunResult): CreateRunResult {
  switch (result.kind) {
    case 'created':
      metrics.runsCreated.inc({ workspace: String(result.run.workspaceId), workflow: result.run.workflowId });
      break;
    case 'daily_limit_exceeded':
      metrics.limitRejections.inc({ limit: 'daily_runs' });
      break;
    case 'concurrent_limit_exceeded':
      metrics.limitRejections.inc({ limit: 'concurrent_runs' });
      break;
    case 'child_run_limit':
      metrics.limitRejections.inc({ limit: 'child_runs' });
      break;
    case 'replayed':
    case 'replayed_deleted':
    case 'idempotency_conflict':
      break;
  }
  return result;
}

function countTokens(metrics: Metrics, output: unknown): void {
  const usage = (output as { usage?: { input_tokens?: unknown; output_tokens?: unknown; model?: unknown } } | null)?.usage;
  if (!usage) return;
  const model = typeof usage.model === 'string' ? usage.model : 'unknown';
  if (typeof usage.input_tokens === 'number') metrics.llmTokens.inc({ model, kind: 'input' }, usage.input_tokens);
  if (typeof usage.output_tokens === 'number') metrics.llmTokens.inc({ model, kind: 'output' }, usage.output_tokens);
}
