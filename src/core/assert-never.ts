/**
 * The `default` of an exhaustive switch over a discriminated union: a new kind that a
 * switch does not handle fails to compile here instead of falling through at run time.
 *
 * @example
 * switch (outcome.kind) {
 *   case 'completed': return done(outcome.output);
 *   case 'failed': return fail(outcome.message);
 *   default: return assertNever(outcome);
 * }
 */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
