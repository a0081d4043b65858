import type { Clock } from '../core/clock.js';
import type { ChildRuns, StepTypeRegistry, Waitpoints } from '../steps/step-type.js';
import type { Run } from '../store/store.js';
import type { RunBudgets } from './budgets.js';
import type { Checkpoints } from './checkpoints.js';
import type { RunLease } from './run-lease.js';
import type { RunSecrets } from './run-secrets.js';
import type { Tracer } from './tracer.js';

/** Everything one execution of one claimed run shares between its steps. */
export interface ExecutionEnv {
  run: Run;
  /** The claim this execution runs under: its signal and its only way to write. */
  lease: RunLease;
  clock: Clock;
  stepTypes: StepTypeRegistry;
  childRuns: ChildRuns;
  /** Waitpoints for `wait` steps; absent where the host wired none. */
  waitpoints?: Waitpoints;
  checkpoints: Checkpoints;
  /** When the whole run times out, or null. */
  deadline: number | null;
  /** True once shutdown began: start no new step, release the run when in-flight steps end. */
  isDraining: () => boolean;
  /** Steps of one graph that may run at once. */
  stepConcurrency: number;
  random: () => number;
  /** What the run may cost (SPEC §16). */
  budgets: RunBudgets;
  /** `{{ secrets.NAME }}` resolution and masking for this execution (SPEC §13). */
  secrets: RunSecrets;
  /** Spans of the run's step attempts and outbound calls (SPEC §17); `NO_TRACING` when off. */
  tracer: Tracer;
}

/** The values expressions see: `{inputs, steps, run}`, plus `item` and `index` inside a `map`. */
export interface Scope {
  inputs: Record<string, unknown>;
  steps: Record<string, { output: unknown; status: string }>;
  run: { id: string; workflowId: string; metadata: Record<string, unknown> | null };
  [extra: string]: unknown;
}
