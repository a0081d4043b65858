import type { StepAttempt } from '../store/store.js';

/** LLM token totals of a run (SPEC §13 `usage` in run details). */
export interface RunUsage {
  input_tokens: number;
  output_tokens: number;
}

/**
 * Sums the `usage` of every completed `llm` attempt of a run, `map` sub-steps included.
 * Failed attempts are not counted: a provider that failed reports no usage. Null when the
 * run has no llm step that completed.
 */
export function runUsageOf(attempts: readonly StepAttempt[]): RunUsage | null {
  let total: RunUsage | null = null;
  for (const attempt of attempts) {
    if (attempt.stepType !== 'llm' || attempt.status !== 'COMPLETED') continue;
    const usage = (attempt.output as { usage?: { input_tokens?: unknown; output_tokens?: unknown } } | null)?.usage;
    total ??= { input_tokens: 0, output_tokens: 0 };
    if (typeof usage?.input_tokens === 'number') total.input_tokens += usage.input_tokens;
    if (typeof usage?.output_tokens === 'number') total.output_tokens += usage.output_tokens;
  }
  return total;
}
