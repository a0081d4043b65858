import { Type } from '@sinclair/typebox';
import { parseDuration } from '../core/duration.js';
import { defineStepType } from './step-type.js';

/**
 * `delay`: a durable wait of `with.duration` (e.g. `30s`, `5m`). The run is released
 * while it waits, holds no worker slot, and resumes when due, also after a restart.
 */
export const delayStep = defineStepType({
  type: 'delay',
  description: 'Waits with.duration without holding a worker.',
  input: Type.Object({ duration: Type.Union([Type.String(), Type.Number()]) }, { additionalProperties: false }),
  idempotent: true,
  async run(input, ctx) {
    if (ctx.resumedFrom) {
      // Resumed early (the run was woken for another step): keep waiting until due.
      if (ctx.now() < ctx.resumedFrom.wakeAt) return { kind: 'waiting', until: ctx.resumedFrom.wakeAt };
      return { kind: 'completed', output: { waitedUntil: new Date(ctx.resumedFrom.wakeAt).toISOString() } };
    }
    const ms = parseDuration(input.duration);
    if (ms === null) return { kind: 'failed', message: `with.duration "${String(input.duration)}" is not a duration such as 30s or 5m`, retryable: false };
    return { kind: 'waiting', until: ctx.now() + ms };
  },
});
