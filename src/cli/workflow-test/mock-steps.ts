import type { StepContext, StepOutcome, StepType, StepTypeRegistry } from '../../steps/step-type.js';
import type { Mock } from './test-file.js';

/** Step types that reach the network: refused in tests unless mocked or `--allow-network`. */
export const NETWORK_STEP_TYPES: ReadonlySet<string> = new Set(['http', 'llm']);

/**
 * The engine seam `slipway test` mocks through: the step-type registry the run executor
 * is given. Every type is wrapped: a step whose id has a mock answers the mock (after its
 * `with` was evaluated and checked against the type's schema, as for a real attempt);
 * an unmocked `http` or `llm` step fails without retries unless the network is allowed;
 * any other step runs for real. Mocks match a step's id, and inside a `map` the sub-step's
 * own id (`fetch` mocks `each[0].fetch`, `each[1].fetch` …) unless the full id is mocked.
 *
 * @example
 * const stepTypes = mockedStepTypes(services.stepTypes, new Map([['page', { output: { status: 200 } }]]), { allowNetwork: false });
 * createRunExecutor({ store, clock, stepTypes, childRuns });
 */
export function mockedStepTypes(registry: StepTypeRegistry, mocks: ReadonlyMap<string, Mock>, options: { allowNetwork: boolean }): StepTypeRegistry {
  const wrapped = new Map<string, StepType>();
  for (const [name, stepType] of registry) {
    wrapped.set(name, {
      ...stepType,
      async run(input, ctx: StepContext): Promise<StepOutcome> {
        const mock = mocks.get(ctx.stepId) ?? mocks.get(ownId(ctx.stepId));
        if (mock) return 'output' in mock ? { kind: 'completed', output: mock.output ?? null } : { kind: 'failed', message: mock.error.message, retryable: mock.error.retryable ?? false };
        if (NETWORK_STEP_TYPES.has(name) && !options.allowNetwork) {
          return { kind: 'failed', retryable: false, message: `step "${ctx.stepId}" (${name}) is not mocked; add a mock for it or run slipway test with --allow-network` };
        }
        return stepType.run(input, ctx);
      },
    });
  }
  return wrapped;
}

/** `each[2].fetch` → `fetch`; a top-level id stays as it is. */
function ownId(stepId: string): string {
  const at = stepId.lastIndexOf('].');
  return at === -1 ? stepId : stepId.slice(at + 2);
}
