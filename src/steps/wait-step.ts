import { type Static, Type } from '@sinclair/typebox';
import { parseDuration } from '../core/duration.js';
import { InputDefinitionSchema } from '../workflow/definition.js';
import { defineStepType, type StepContext, type StepOutcome, type StepType, type WaitpointState } from './step-type.js';

/**
 * How often a waiting run looks at its waitpoint when no wake-up arrived. A completion wakes
 * the run at once (in its own transaction); this is only the safety net.
 */
export const WAITPOINT_POLL_MS = 60_000;

const WaitInput = Type.Object(
  {
    kind: Type.Union([Type.Literal('approval'), Type.Literal('callback'), Type.Literal('event')]),
    prompt: Type.Optional(Type.String()),
    fields: Type.Optional(Type.Array(InputDefinitionSchema)),
    event: Type.Optional(Type.String({ minLength: 1 })),
    /** Evaluated when an event arrives, over {data, inputs, steps, run}. */
    match: Type.Optional(Type.Union([Type.String(), Type.Boolean()])),
    timeout: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    onTimeout: Type.Optional(Type.Union([Type.Literal('fail'), Type.Literal('continue')])),
    onReject: Type.Optional(Type.Union([Type.Literal('fail'), Type.Literal('continue')])),
    /** An http step's `with`, evaluated once the waitpoint exists, with `{{ waitpoint }}` in scope. */
    notify: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
type WaitInput = Static<typeof WaitInput>;

/**
 * `wait` (SPEC §7): opens a waitpoint (an approval, a callback or an event) and sleeps without
 * a worker slot until it is completed, times out or the run ends. The waitpoint is committed
 * before `notify` is sent; a crash before the send is recorded sends it again on resume. The
 * output is `{decision, data, by, at}`.
 */
export function createWaitStep(httpStep: StepType): StepType<typeof WaitInput> {
  return defineStepType({
    type: 'wait',
    description: 'Waits for an approval, a callback or an event (a waitpoint); output {decision, data, by, at}.',
    input: WaitInput,
    idempotent: true,
    retryable: false,
    takesTimeout: false,
    unevaluatedKeys: ['match', 'notify'],
    async run(input, ctx): Promise<StepOutcome> {
      if (!ctx.waitpoints) return { kind: 'failed', message: 'waitpoints are not available in this process', retryable: false };
      if (input.kind === 'event' && input.event === undefined) return { kind: 'failed', message: 'with.event is required for kind: event', retryable: false };
      const timeoutMs = input.timeout === undefined ? null : parseDuration(input.timeout);
      if (input.timeout !== undefined && timeoutMs === null) return { kind: 'failed', message: `with.timeout "${String(input.timeout)}" is not a duration such as 30s or 72h`, retryable: false };
      const match = typeof input.match === 'boolean' ? String(input.match) : (input.match ?? null);
      let waitpoint = await ctx.waitpoints.open({
        runId: ctx.runId,
        workspaceId: ctx.workspaceId,
        workflowId: ctx.workflowId,
        stepId: ctx.stepId,
        // One waitpoint per step of a run (a wait takes no retries): an attempt cut short by a crash finds it again.
        key: `${ctx.runId}:${ctx.stepId}`,
        kind: input.kind,
        prompt: input.prompt ?? null,
        fields: input.kind === 'approval' ? (input.fields ?? null) : null,
        event: input.kind === 'event' ? input.event! : null,
        match: input.kind === 'event' ? match : null,
        matchScope: input.kind === 'event' && match !== null ? (ctx.expressions?.scope ?? null) : null,
        expiresAt: timeoutMs === null ? null : ctx.now() + timeoutMs,
      });
      if (waitpoint.status === 'OPEN' && !waitpoint.notified && input.notify !== undefined) await sendNotify(httpStep, input, waitpoint, ctx);
      if (waitpoint.status === 'OPEN' && waitpoint.expiresAt !== null && ctx.now() >= waitpoint.expiresAt) {
        waitpoint = await ctx.waitpoints.timeOut(ctx.workspaceId, waitpoint.id);
      }
      return outcomeOf(waitpoint, input, ctx.now());
    },
  });
}

function outcomeOf(waitpoint: WaitpointState, input: WaitInput, now: number): StepOutcome {
  const at = waitpoint.completedAt === null ? null : new Date(waitpoint.completedAt).toISOString();
  switch (waitpoint.status) {
    case 'OPEN':
      return { kind: 'waiting', until: Math.min(waitpoint.expiresAt ?? Infinity, now + WAITPOINT_POLL_MS) };
    case 'COMPLETED': {
      if (waitpoint.decision === 'rejected' && input.onReject !== 'continue') {
        return { kind: 'failed', message: `the approval was rejected by ${waitpoint.completedBy ?? 'someone'}`, retryable: false };
      }
      return { kind: 'completed', output: { decision: waitpoint.decision, data: waitpoint.data ?? null, by: waitpoint.completedBy, at } };
    }
    case 'TIMED_OUT':
      if (input.onTimeout === 'continue') return { kind: 'completed', output: { decision: 'timed_out', data: null, by: null, at } };
      return { kind: 'failed', message: `the wait timed out after ${String(input.timeout)}`, retryable: false };
    case 'CANCELED':
      return { kind: 'failed', message: 'the waitpoint was canceled', retryable: false };
  }
}

/** Sends the notify request (through the http step, so its address guard applies) and records that it was tried. */
async function sendNotify(httpStep: StepType, input: WaitInput, waitpoint: WaitpointState, ctx: StepContext): Promise<void> {
  const scopeWaitpoint = {
    id: waitpoint.id,
    kind: waitpoint.kind,
    callbackUrl: waitpoint.callbackUrl,
    approveUrl: waitpoint.approveUrl,
    expiresAt: waitpoint.expiresAt === null ? null : new Date(waitpoint.expiresAt).toISOString(),
  };
  let error: string | null = null;
  try {
    const request = ctx.expressions ? await ctx.expressions.evaluate(input.notify, { waitpoint: scopeWaitpoint }) : input.notify;
    const outcome = await httpStep.run(request as never, ctx);
    if (outcome.kind === 'failed') error = outcome.message;
  } catch (thrown) {
    error = (thrown as Error).message ?? String(thrown);
  }
  // The callback URL's secret never goes into a stored message.
  if (error !== null && waitpoint.callbackUrl !== null) error = error.replaceAll(waitpoint.callbackUrl, '[callback url]');
  await ctx.waitpoints!.markNotified(waitpoint.id, error);
}
