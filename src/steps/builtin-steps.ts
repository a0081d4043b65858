import { delayStep } from './delay.js';
import { failStep } from './fail.js';
import { createHttpStep, DEFAULT_MAX_RESPONSE_BYTES } from './http-step.js';
import { createLlmStep } from './llm-step.js';
import { mapStep } from './map-step.js';
import type { StepType, StepTypeRegistry } from './step-type.js';
import { transformStep } from './transform.js';
import { createWaitStep } from './wait-step.js';
import { workflowStep } from './workflow-step.js';

/** What the configurable built-ins need from configuration. */
export interface BuiltinStepOptions {
  httpAllowPrivate: boolean;
  httpMaxResponseBytes: number;
  llmBaseUrl: string;
  llmApiKey: string | null;
}

export const DEFAULT_STEP_OPTIONS: BuiltinStepOptions = {
  httpAllowPrivate: false,
  httpMaxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
  llmBaseUrl: 'https://api.openai.com/v1',
  llmApiKey: null,
};

export function builtinStepTypes(options: BuiltinStepOptions = DEFAULT_STEP_OPTIONS): StepType[] {
  const httpStep = createHttpStep({ allowPrivate: options.httpAllowPrivate, maxResponseBytes: options.httpMaxResponseBytes });
  return [
    transformStep,
    delayStep,
    failStep,
    httpStep,
    createLlmStep({ baseUrl: options.llmBaseUrl, apiKey: options.llmApiKey, allowPrivate: options.httpAllowPrivate }),
    mapStep,
    workflowStep,
    createWaitStep(httpStep as StepType),
  ] as StepType[];
}

/** The registry of step types: the built-ins plus the host's own. A host type may not shadow a built-in. */
export function createStepRegistry(extra: readonly StepType[] = [], options: BuiltinStepOptions = DEFAULT_STEP_OPTIONS): StepTypeRegistry {
  const registry = new Map<string, StepType>();
  for (const stepType of [...builtinStepTypes(options), ...extra]) {
    if (registry.has(stepType.type)) throw new Error(`step type "${stepType.type}" is registered twice`);
    registry.set(stepType.type, stepType);
  }
  return registry;
}
