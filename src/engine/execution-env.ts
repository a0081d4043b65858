import type { Clock } from '../core/clock.js';
import type { ChildRuns, StepTypeRegistry } from '../steps/step-type.js';
import type { Run, Store } from '../store/store.js';
import type { RunBudgets } from './budgets.js';
import type { Checkpoints } from './checkpoints.js';

/** Everything one execution of one claimed run shares between its steps. */
export interface ExecutionEnv {
  run: Run;
  workerId: string;
  store: Store;
  clock: Clock;
  stepTypes: StepTypeRegistry;
  childRuns: ChildRuns;
  checkpoints: Checkpoints;
  /** When the whole run times out, or null. */
  deadline: number | null;
  /** Aborted when the lease is lost or shutdown's grace period ends: stop writing. */
  leaseSignal: AbortSignal;
  /** True once shutdown began: start no new step, release the run when in-flight steps end. */
  isDraining: () => boolean;
  /** Steps of one graph that may run at once. */
  stepConcurrency: number;
  random: () => number;
  /** What the run may cost (SPEC §16). */
  budgets: RunBudgets;
}

/** The values expressions see: `{inputs, steps, run}`, plus `item` and `index` inside a `map`. */
export interface Scope {
  inputs: Record<string, unknown>;
  steps: Record<string, { output: unknown; status: string }>;
  run: { id: string; workflowId: string; metadata: Record<string, unknown> | null };
  [extra: string]: unknown;
}

/** How running one step (all its attempts in this execution) ended. */
export type StepResult =
  | { kind: 'completed'; output: unknown }
  | { kind: 'skipped' }
  | { kind: 'failed'; message: string }
  | { kind: 'waiting'; until: number }
  | { kind: 'timed_out' }
  | { kind: 'lost' };

/** How running a graph of steps ended. */
export type GraphOutcome =
  | { kind: 'completed' }
  | { kind: 'failed'; stepId: string; message: string }
  | { kind: 'waiting'; until: number }
  | { kind: 'timed_out' }
  | { kind: 'released' }
  | { kind: 'lost' };
