import { Type } from '@sinclair/typebox';
import { defineStepType, type StepOutcome } from './step-type.js';

/**
 * How often a waiting parent looks at its child when no wake-up arrived. The child's
 * finish wakes the parent at once; this is the safety net (polling is the truth).
 */
export const CHILD_POLL_MS = 5000;

/**
 * `workflow`: starts a run of another workflow of the same workspace (`with.workflow`,
 * `with.inputs`), waits for it without holding a worker slot, and returns the child's
 * output; fails when the child fails. The child is started once per attempt (keyed by
 * run, step and attempt), so a resumed or re-run attempt finds its child again.
 */
export const workflowStep = defineStepType({
  type: 'workflow',
  description: 'Runs another workflow of the workspace as a child run; output is the child\'s output.',
  input: Type.Object(
    { workflow: Type.String({ minLength: 1 }), inputs: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
    { additionalProperties: false },
  ),
  idempotent: true,
  async run(input, ctx): Promise<StepOutcome> {
    const started = await ctx.childRuns.start({
      parentRunId: ctx.runId,
      workspaceId: ctx.workspaceId,
      workflowId: input.workflow,
      inputs: input.inputs ?? {},
      key: `${ctx.idempotencyKey}#${ctx.attempt}`,
    });
    if (started.kind === 'refused') return { kind: 'failed', message: started.message, retryable: false, ...(started.code ? { code: started.code } : {}) };
    const child = await ctx.childRuns.get(ctx.workspaceId, started.runId);
    if (!child) return { kind: 'failed', message: `child run ${started.runId} disappeared`, retryable: false };
    switch (child.status) {
      case 'COMPLETED':
        return { kind: 'completed', output: child.output ?? null };
      case 'FAILED':
        return { kind: 'failed', message: `child run ${started.runId} of "${input.workflow}" failed: ${child.error?.code ?? 'ERROR'}: ${child.error?.message ?? ''}` };
      case 'CANCELED':
        return { kind: 'failed', message: `child run ${started.runId} of "${input.workflow}" was canceled`, retryable: false };
      default:
        return { kind: 'waiting', until: ctx.now() + CHILD_POLL_MS };
    }
  },
});
