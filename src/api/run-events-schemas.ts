import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * Wire schemas of SPEC §9 (events, long-poll, run-and-wait) and of the step graph the
 * dashboard draws. No `node:` imports: the client and the dashboard use these types.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const RUN_EVENT_TYPE_NAMES = [
  'run.status', 'step.started', 'step.completed', 'step.failed', 'step.waiting', 'step.skipped', 'step.delta',
  'waitpoint.opened', 'waitpoint.completed',
] as const;

const WaitSeconds = Type.Integer({ minimum: 1, maximum: 60, description: 'Seconds to wait for the run to end (1–60)' });

/** `?wait=N` on `GET /workflow-runs/{runId}`; other parameters stay ignored as before. */
export const WaitQuery = Type.Object({ wait: Type.Optional(WaitSeconds) }, { additionalProperties: true });

export const RunEventsQuery = Type.Object(
  { after: Type.Optional(Type.Integer({ minimum: 0, description: 'Replay events after this id (like Last-Event-ID)' })) },
  { additionalProperties: true },
);
export type RunEventsQuery = Static<typeof RunEventsQuery>;

export const RunEventsHeaders = Type.Object({
  'last-event-id': Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'Resume after this event id' })),
});

const StepBase = { step_id: Type.String(), attempt: Type.Integer(), at: Type.String({ format: 'date-time' }) };
const RunErrorWire = Type.Object({ code: Type.String(), message: Type.String() });

/** The `data` of each event type (documentation: the stream itself is text/event-stream). */
export const RunEventData = {
  'run.status': Type.Object({ status: Type.String(), at: Type.String({ format: 'date-time' }), error: Nullable(RunErrorWire) }),
  'step.started': Type.Object(StepBase),
  'step.completed': Type.Object({ ...StepBase, output: Type.Unknown() }),
  'step.failed': Type.Object({ ...StepBase, error: Nullable(RunErrorWire), retry_at: Nullable(Type.String({ format: 'date-time' })) }),
  'step.waiting': Type.Object({
    ...StepBase,
    reason: Type.Union(['delay', 'waitpoint', 'child_run', 'retry', 'waiting'].map((r) => Type.Literal(r))),
    until: Nullable(Type.String({ format: 'date-time' })),
  }),
  'step.skipped': Type.Object(StepBase),
  'step.delta': Type.Object({ step_id: Type.String(), attempt: Type.Integer(), text: Type.String() }),
};

/** One event as the TS client yields it from the stream. */
export interface RunStreamEvent {
  /** The per-run sequence number (the SSE `id`). */
  id: number;
  type: (typeof RUN_EVENT_TYPE_NAMES)[number];
  data: Record<string, unknown>;
}

// --- the step graph (dashboard) ---

export interface StepGraphNode {
  id: string;
  type: string;
  /** Steps this one waits for (the `needs` edges; without `needs`, the step before). */
  needs: string[];
  /** A `map` step's sub-steps, drawn inside its box. */
  children?: StepGraphNode[];
}

const nodeFields = {
  id: Type.String(),
  type: Type.String(),
  needs: Type.Array(Type.String(), { description: 'Steps this one waits for' }),
};
// Spelled out two levels deep rather than as a recursive $ref: a map inside a map keeps its own
// children as plain objects of the same shape.
const StepGraphNodeSchema = Type.Object(
  { ...nodeFields, children: Type.Optional(Type.Array(Type.Object({ ...nodeFields, children: Type.Optional(Type.Array(Type.Unknown())) }))) },
  { $id: 'StepGraphNode', description: 'A step of the graph; a `map` step carries its sub-steps as `children`' },
);

export const WorkflowGraphQuery = Type.Object(
  { version: Type.Optional(Type.Integer({ minimum: 1, description: 'A published version; default: the default version, or the draft when none is published' })) },
  { additionalProperties: false },
);

export const WorkflowGraphResponse = Type.Object({
  workflow_id: Type.String(),
  version: Nullable(Type.Integer({ description: 'null: the unpublished draft' })),
  nodes: Type.Array(StepGraphNodeSchema),
});
export type WorkflowGraphResponse = Static<typeof WorkflowGraphResponse>;
