import { type Static, Type } from '@sinclair/typebox';

/** `GET /workflow-runs/{runId}/logs` (SPEC §17). */
export const RunLogsQuery = Type.Object({
  step_id: Type.Optional(Type.String({ description: 'Only lines of this step (inside a map: `<mapId>[<index>].<subId>`)' })),
  after: Type.Optional(Type.Integer({ minimum: 0, description: 'Only lines with `seq` above this; pass the last `seq` seen to page on' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Most lines to return (1–1000, default 100)' })),
}, { additionalProperties: false });
export type RunLogsQuery = Static<typeof RunLogsQuery>;

export const StepLogLineSchema = Type.Object({
  seq: Type.Integer({ minimum: 1, description: '1, 2, … per run, in the order written' }),
  at: Type.String({ format: 'date-time' }),
  step_id: Type.String(),
  attempt: Type.Integer({ minimum: 1 }),
  level: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')]),
  message: Type.String(),
  fields: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
}, { $id: 'StepLogLine', description: 'One line of a step\'s log; secret values masked as `****`' });
export type StepLogLineSchema = Static<typeof StepLogLineSchema>;

export const RunLogsResponse = Type.Object({ data: Type.Array(StepLogLineSchema) }, { $id: 'RunLogs', description: 'Log lines of a run, oldest first' });
export type RunLogsResponse = Static<typeof RunLogsResponse>;
