import { Type } from '@sinclair/typebox';
import { defineStepType } from '../../src/steps/step-type.js';

/** A host step type that kills its own process with SIGKILL: a run that keeps killing its workers. */
export const killWorkerStep = defineStepType({
  type: 'kill-worker',
  description: 'SIGKILLs the process that runs it.',
  input: Type.Object({}, { additionalProperties: false }),
  idempotent: true,
  async run() {
    process.kill(process.pid, 'SIGKILL');
    return new Promise(() => {});
  },
});

export default killWorkerStep;
