import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { StepErrorCode } from '../core/states.js';
import type { StepType } from '../steps/step-type.js';
import type { RunError } from '../store/store.js';
import type { StepDefinition } from '../workflow/definition.js';
import { evaluateValue, type ExpressionBudget, ExpressionLimitError } from '../workflow/expressions.js';
import { OUTPUT_TOO_LARGE, oversizeOf, tooLargeMessage } from './budgets.js';
import type { ExecutionEnv, Scope } from './execution-env.js';

// A step's input before it runs: `if` and `with` evaluated within the expression budget, secrets
// resolved (SPEC §13), the size budget (§16) and the step type's input schema checked.

/** What a step gets to run with, or why it does not run. */
export type Prepared =
  | { kind: 'skip' }
  /** `input` as checkpointed (secret placeholders kept); `runInput` as the step receives it. */
  | { kind: 'input'; input: Record<string, unknown>; runInput: Record<string, unknown> }
  | { kind: 'invalid'; error: RunError };

/** Evaluates `if` and `with` within the expression budget, and checks the input against the step type's schema. */
export async function prepareInput(env: ExecutionEnv, step: StepDefinition, stepType: StepType, scope: Scope): Promise<Prepared> {
  let input: Record<string, unknown>;
  const budget = env.budgets.expression;
  try {
    if (step.if !== undefined) {
      const condition = typeof step.if === 'boolean' ? step.if : await evaluateValue(step.if, scope, budget);
      if (!condition) return { kind: 'skip' };
    }
    input = await evaluateWith(step, stepType, scope, budget, stepType.secretFields === undefined ? null : (raw) => env.secrets.protect(raw));
  } catch (error) {
    if (error instanceof ExpressionLimitError) return { kind: 'invalid', error: { code: error.code, message: error.message } };
    return { kind: 'invalid', error: { code: StepErrorCode.EXPRESSION_FAILED, message: `expression failed: ${(error as Error).message}` } };
  }
  const bytes = oversizeOf(input, env.budgets.maxOutputBytes);
  if (bytes !== null) return { kind: 'invalid', error: { code: OUTPUT_TOO_LARGE, message: tooLargeMessage('the evaluated `with`', bytes, env.budgets.maxOutputBytes) } };
  const resolved = await env.secrets.resolve(input);
  if (resolved.kind === 'missing') return { kind: 'invalid', error: { code: StepErrorCode.SECRET_NOT_FOUND, message: `the secret ${resolved.name} is not set in this workspace` } };
  const runInput = resolved.value as Record<string, unknown>;
  const problem = inputProblem(stepType.input, runInput);
  if (problem) return { kind: 'invalid', error: { code: StepErrorCode.INVALID_INPUT, message: `with${problem.path.replaceAll('/', '.')}: ${problem.message}` } };
  return { kind: 'input', input: env.secrets.forStorage(input) as Record<string, unknown>, runInput };
}

/** Step input schemas, compiled once (the interpretive check walked every input per step: issue 10 profile). */
const compiledInputs = new WeakMap<TSchema, TypeCheck<TSchema> | null>();

/** The first problem of `value` against a step type's input schema, or undefined when it fits. */
function inputProblem(schema: TSchema, value: unknown) {
  let check = compiledInputs.get(schema);
  if (check === undefined) {
    try {
      check = TypeCompiler.Compile(schema);
    } catch {
      check = null; // a schema the compiler does not take (e.g. an unresolved reference): checked interpretively
    }
    compiledInputs.set(schema, check);
  }
  if (check !== null && check.Check(value)) return undefined;
  return Value.Errors(schema, value).First();
}

/** Evaluates `with`, except a step type's nested steps (map evaluates them per item) and its `unevaluatedKeys`, which stay as written. */
async function evaluateWith(
  step: StepDefinition,
  stepType: StepType,
  scope: Scope,
  budget: ExpressionBudget,
  protectSecrets: ((raw: unknown) => unknown) | null,
): Promise<Record<string, unknown>> {
  const raw = { ...(step.with ?? {}) };
  if (protectSecrets) {
    const fields = stepType.secretFields === 'all' ? Object.keys(raw) : (stepType.secretFields ?? []);
    for (const key of fields) if (key in raw && key !== stepType.nestedSteps) raw[key] = protectSecrets(raw[key]);
  }
  const kept = [...(stepType.nestedSteps !== undefined ? [stepType.nestedSteps] : []), ...(stepType.unevaluatedKeys ?? [])];
  const asWritten: Record<string, unknown> = {};
  for (const key of kept) {
    if (key in raw) asWritten[key] = raw[key];
    delete raw[key];
  }
  const input = (await evaluateValue(raw, scope, budget)) as Record<string, unknown>;
  return Object.assign(input, asWritten);
}

