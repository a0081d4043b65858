import { type Static, Type } from '@sinclair/typebox';
import { StepRecordSchema } from './schemas.js';

/** `GET /workflow-runs/{runId}/steps/{stepId}`: one step, its output and input whole. */
export const RunStepParams = Type.Object({
  runId: Type.String({ description: 'The run id', examples: ['019a0c1e-7b3f-7c4e-9d2a-5b6c7d8e9f01'] }),
  stepId: Type.String({ description: 'The step id; inside a map, `<mapId>[<index>].<subId>` (URL-encoded)', examples: ['summary'] }),
});
export type RunStepParams = Static<typeof RunStepParams>;

export const RunStepResponse = Type.Composite(
  [
    Type.Object({ run_id: Type.String() }),
    StepRecordSchema,
    Type.Object({ input: Type.Unknown({ description: 'The evaluated `with` of the newest attempt, or null before the step ran' }) }),
  ],
  { $id: 'RunStep', description: 'One step of a run, with its output and input whole (list entries truncate values over 64 KiB)' },
);
export type RunStepResponse = Static<typeof RunStepResponse>;
