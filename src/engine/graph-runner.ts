import { assertNever } from '../core/assert-never.js';
import type { GraphOutcome, NestedOutcome, StepResult } from '../core/outcomes.js';
import { StepStatus } from '../core/states.js';
import type { StepDefinition } from '../workflow/definition.js';
import { stepDependencies } from '../workflow/step-graph.js';
import { isSettled } from './checkpoints.js';
import type { ExecutionEnv, Scope } from './execution-env.js';
import { recordSkip, runStep } from './step-runner.js';

/**
 * Runs a graph of steps (a workflow's, or one `map` item's) from its checkpoints: every
 * step whose dependencies are done starts, up to `env.stepConcurrency` at once; steps
 * that wait (delays, retries' backoff, child runs) are resumed in-process when due while
 * other steps still run, and otherwise end the execution with `waiting` so the run can
 * be released. The first failure stops new steps and interrupts the running ones.
 *
 * Skip rule: a step whose `needs` are all SKIPPED is skipped too, unless it has its own
 * `if`, which then decides. The implicit edge of a step without `needs` (to the step
 * before it) orders steps only and never skips anything.
 */
export async function runGraph(env: ExecutionEnv, steps: readonly StepDefinition[], scope: Scope, prefix: string, signal: AbortSignal, topLevel: boolean): Promise<GraphOutcome> {
  // The graph's signal: the caller's, or a failure here. Forwarded by a listener removed when
  // the graph ends (AbortSignal.any per graph was a few % of a worker's busy time, issue 10).
  const stop = new AbortController();
  const forward = () => stop.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  try {
    return await runGraphUntilDone(env, steps, scope, prefix, topLevel, stop);
  } finally {
    signal.removeEventListener('abort', forward);
  }
}

async function runGraphUntilDone(
  env: ExecutionEnv, steps: readonly StepDefinition[], scope: Scope, prefix: string, topLevel: boolean, stop: AbortController,
): Promise<GraphOutcome> {
  const graphSignal = stop.signal;
  const deps = stepDependencies(steps);
  const done = new Set<string>();
  const waitingUntil = new Map<string, number>();
  const running = new Map<string, Promise<{ id: string; result: StepResult }>>();
  let failure: GraphOutcome | null = null;
  /** The first failure wins, except that the lease stopping (lost, interrupted) overrides any other. */
  const fail = (outcome: GraphOutcome, reason: string) => {
    if (failure === null || outcome.kind === 'lost' || outcome.kind === 'interrupted' || outcome.kind === 'aborted') failure = outcome;
    if (!stop.signal.aborted) stop.abort(new Error(reason));
  };

  for (const step of steps) {
    const latest = env.checkpoints.latest(prefix + step.id);
    if (latest && isSettled(latest)) {
      scope.steps[step.id] = { output: latest.output, status: latest.status };
      done.add(step.id);
    }
  }

  const start = (step: StepDefinition) => {
    waitingUntil.delete(step.id);
    const id = prefix + step.id;
    const result = skippedByNeeds(step, scope)
      ? recordSkip(env, step, id)
      : runStep(env, step, id, scope, graphSignal, (nested, key, extra, nestedSignal) => runNestedGraph(env, nested, `${id}[${key}].`, scope, extra, nestedSignal));
    running.set(step.id, result.then((r) => ({ id: step.id, result: r })));
  };
  const draining = () => topLevel && env.isDraining();

  for (;;) {
    const now = env.clock.now();
    const leaseStop = env.lease.stopReason();
    if (leaseStop !== null) fail({ kind: leaseStop }, env.lease.signal.reason instanceof Error ? env.lease.signal.reason.message : leaseStop);
    if (failure === null && env.deadline !== null && now >= env.deadline) fail({ kind: 'timed_out' }, 'the run timed out');
    if (failure === null && !draining()) {
      for (const step of steps) {
        if (running.size >= env.stepConcurrency) break;
        const due = (waitingUntil.get(step.id) ?? 0) <= now;
        if (!done.has(step.id) && !running.has(step.id) && due && deps.get(step.id)!.every((d) => done.has(d))) start(step);
      }
    }
    if (running.size === 0) {
      if (failure !== null) return failure;
      if (done.size === steps.length) return { kind: 'completed' };
      if (draining()) return { kind: 'released' };
      if (waitingUntil.size === 0) return { kind: 'failed', stepId: prefix || '(graph)', message: 'no step can run (the step graph is stuck)' };
      return { kind: 'waiting', until: Math.min(...waitingUntil.values()) };
    }

    // Sleep until a running step ends, or a waiting one comes due while there is room for it.
    const future = [...waitingUntil.values()].filter((t) => t > now);
    const wakeAt = failure === null && !draining() && future.length > 0 ? Math.min(...future, env.deadline ?? Infinity) : null;
    // A timer only when something comes due (an abort of a controller per turn cost a DOMException each).
    const tickDone = wakeAt === null ? null : new AbortController();
    const tick = tickDone === null ? null : env.clock.sleep(Math.max(1, wakeAt! - now), tickDone.signal).then(() => null);
    const settled = await Promise.race(tick ? [...running.values(), tick] : [...running.values()]);
    tickDone?.abort();
    if (settled === null) continue;
    running.delete(settled.id);
    const { id, result } = settled;
    switch (result.kind) {
      case 'completed':
      case 'skipped':
        done.add(id);
        scope.steps[id] = result.kind === 'completed' ? { output: result.output, status: StepStatus.COMPLETED } : { output: null, status: StepStatus.SKIPPED };
        break;
      case 'waiting':
        waitingUntil.set(id, result.until);
        break;
      case 'failed':
        fail({ kind: 'failed', stepId: prefix + id, message: result.message }, `step "${prefix + id}" failed`);
        break;
      case 'timed_out':
        fail({ kind: 'timed_out' }, 'the run timed out');
        break;
      case 'lost':
        fail({ kind: 'lost' }, 'lease lost');
        break;
      case 'interrupted':
        fail({ kind: 'interrupted' }, 'worker shutting down');
        break;
      case 'aborted':
        fail({ kind: 'aborted' }, 'run aborted');
        break;
      default:
        assertNever(result);
    }
  }
}

function skippedByNeeds(step: StepDefinition, scope: Scope): boolean {
  if (step.if !== undefined || !step.needs || step.needs.length === 0) return false;
  return step.needs.every((need) => scope.steps[need]?.status === StepStatus.SKIPPED);
}

/** One `map` item: its own graph, seeing the parent's steps plus its own, and `item`/`index`. */
async function runNestedGraph(
  env: ExecutionEnv,
  steps: unknown[],
  prefix: string,
  parent: Scope,
  extra: Record<string, unknown>,
  signal: AbortSignal,
): Promise<NestedOutcome> {
  const definitions = steps as StepDefinition[];
  const scope: Scope = { ...parent, ...extra, steps: { ...parent.steps } };
  const outcome = await runGraph(env, definitions, scope, prefix, signal, false);
  switch (outcome.kind) {
    case 'completed':
      return { kind: 'completed', output: scope.steps[definitions[definitions.length - 1]!.id]?.output ?? null };
    case 'failed':
      return { kind: 'failed', message: `step "${outcome.stepId}" failed: ${outcome.message}` };
    case 'waiting':
      return { kind: 'waiting', until: outcome.until };
    case 'timed_out':
    case 'released':
    case 'lost':
    case 'interrupted':
    case 'aborted':
      return { kind: 'stopped' };
    default:
      return assertNever(outcome);
  }
}
