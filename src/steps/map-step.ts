import { Type } from '@sinclair/typebox';
import { defineStepType, type NestedOutcome, type StepOutcome } from './step-type.js';

export const DEFAULT_MAP_CONCURRENCY = 4;

/**
 * `map`: runs `with.steps` once for each item of `with.items`, at most
 * `with.concurrency` items at a time. Inside, `item` and `index` are in scope and
 * `steps.<id>` names the item's own sub-steps. Each sub-step is checkpointed as
 * `<mapId>[<index>].<subId>`, so a resumed map redoes no finished item. Output: the
 * last sub-step's output for every item, in the items' order.
 */
export const mapStep = defineStepType({
  type: 'map',
  description: 'Runs with.steps for each of with.items (item, index in scope); output is the list of each item\'s last sub-step output.',
  input: Type.Object(
    {
      items: Type.Array(Type.Unknown()),
      concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      steps: Type.Array(Type.Unknown(), { minItems: 1 }),
    },
    { additionalProperties: false },
  ),
  idempotent: true,
  nestedSteps: 'steps',
  // Retries belong on the sub-steps: a failed sub-step has already used its own.
  retryable: false,
  async run(input, ctx): Promise<StepOutcome> {
    if (input.items.length > ctx.limits.mapItems) {
      return { kind: 'failed', code: 'TOO_MANY_ITEMS', retryable: false, message: `with.items has ${input.items.length} items, more than the budget of ${ctx.limits.mapItems} (SLIPWAY_MAX_MAP_ITEMS)` };
    }
    const outputs: unknown[] = new Array(input.items.length).fill(null);
    const outcomes: NestedOutcome[] = [];
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (!failed && next < input.items.length) {
        const index = next++;
        const outcome = await ctx.runNested(input.steps, String(index), { item: input.items[index], index });
        if (outcome.kind === 'completed') outputs[index] = outcome.output;
        else outcomes.push(outcome);
        if (outcome.kind === 'failed') failed = true;
      }
    };
    const workers = Math.max(1, Math.min(input.concurrency ?? DEFAULT_MAP_CONCURRENCY, input.items.length));
    await Promise.all(Array.from({ length: workers }, worker));

    const failure = outcomes.find((o) => o.kind === 'failed');
    if (failure) return { kind: 'failed', message: failure.message, retryable: false };
    if (outcomes.some((o) => o.kind === 'stopped')) return { kind: 'failed', message: 'stopped', retryable: false };
    const waits = outcomes.flatMap((o) => (o.kind === 'waiting' ? [o.until] : []));
    if (waits.length > 0) return { kind: 'waiting', until: Math.min(...waits) };
    return { kind: 'completed', output: outputs };
  },
});
