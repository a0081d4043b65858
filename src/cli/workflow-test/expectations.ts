import { isDeepStrictEqual } from 'node:util';
import { evaluateTemplate } from '../../workflow/expressions.js';
import type { Expectations } from './test-file.js';

/** What a finished test run came to, as the expectations see it. */
export interface RunOutcome {
  status: string;
  output: unknown;
  error: { code: string; message: string } | null;
  inputs: Record<string, unknown>;
  steps: Record<string, { status: string; output: unknown; error: { code: string; message: string } | null }>;
}

const WHOLE_EXPRESSION = /^\s*\{\{[\s\S]*\}\}\s*$/;
const show = (value: unknown) => JSON.stringify(value) ?? 'undefined';

/**
 * Checks a run against a case's `expect` and returns every mismatch (none: the case
 * passes). Without `status`, COMPLETED is expected, or FAILED when `error` is given.
 * `output` is deep equality, or a string that is one `{{ JSONata }}` expression which
 * must evaluate to true against `{output, steps, inputs, error}`.
 */
export async function checkExpectations(expect: Expectations, run: RunOutcome): Promise<string[]> {
  const failures: string[] = [];
  const wantStatus = expect.status ?? (expect.error ? 'FAILED' : 'COMPLETED');
  if (run.status !== wantStatus) {
    failures.push(`status: expected ${wantStatus}, got ${run.status}${run.error ? ` (${run.error.code}: ${run.error.message})` : ''}`);
  }
  if (expect.error) failures.push(...checkError('error', expect.error, run.error));
  if ('output' in expect) failures.push(...(await checkValue('output', expect.output, run.output, run)));
  for (const [id, want] of Object.entries(expect.steps ?? {})) {
    const step = run.steps[id];
    if (!step) {
      failures.push(`steps.${id}: no such step in this run (steps: ${Object.keys(run.steps).join(', ') || 'none'})`);
      continue;
    }
    if (want.status !== undefined && step.status !== want.status) failures.push(`steps.${id}.status: expected ${want.status}, got ${step.status}`);
    if (want.error) failures.push(...checkError(`steps.${id}.error`, want.error, step.error));
    if ('output' in want) failures.push(...(await checkValue(`steps.${id}.output`, want.output, step.output, run)));
  }
  return failures;
}

function checkError(where: string, want: { code?: string; message?: string }, got: { code: string; message: string } | null): string[] {
  if (!got) return [`${where}: expected an error, got none`];
  const failures: string[] = [];
  if (want.code !== undefined && got.code !== want.code) failures.push(`${where}.code: expected ${want.code}, got ${got.code}`);
  if (want.message !== undefined && !got.message.includes(want.message)) failures.push(`${where}.message: expected it to contain ${show(want.message)}, got ${show(got.message)}`);
  return failures;
}

async function checkValue(where: string, want: unknown, got: unknown, run: RunOutcome): Promise<string[]> {
  if (typeof want === 'string' && WHOLE_EXPRESSION.test(want)) {
    let result: unknown;
    try {
      result = await evaluateTemplate(want, { output: run.output, steps: run.steps, inputs: run.inputs, error: run.error });
    } catch (error) {
      return [`${where}: the expression ${want.trim()} failed: ${(error as Error).message}`];
    }
    return result === true ? [] : [`${where}: ${want.trim()} is ${show(result)}, not true (${where} is ${show(got)})`];
  }
  return isDeepStrictEqual(got, want) ? [] : [`${where}: expected ${show(want)}, got ${show(got)}`];
}
