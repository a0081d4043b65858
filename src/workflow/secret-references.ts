import { expressionsIn } from './expressions.js';

export interface SecretProblem {
  /** Path inside the checked value (empty for the value itself). */
  path: (string | number)[];
  message: string;
}

const LITERAL = /^\s*secrets\.[A-Z][A-Z0-9_]{0,63}\s*$/;
const MENTIONS_SECRETS = /(^|[^$\w.])secrets\b/;

/**
 * Uses of `secrets` in a definition value that apply refuses (SPEC §13): where secrets are
 * allowed (`allowed`, the `with` of http and llm steps and secret-capable host fields) only
 * the literal `{{ secrets.NAME }}`; anywhere else (`if`, `output`, other steps' `with`, `map`
 * items, `workflow` inputs) any expression that names `secrets`.
 */
export function findSecretProblems(value: unknown, allowed: boolean, path: (string | number)[] = []): SecretProblem[] {
  if (typeof value === 'string') {
    const problems: SecretProblem[] = [];
    for (const body of expressionsIn(value)) {
      if (!MENTIONS_SECRETS.test(body)) continue;
      if (allowed && LITERAL.test(body)) continue;
      problems.push({
        path,
        message: allowed
          ? `only the literal form {{ secrets.NAME }} may name a secret (NAME in capitals, digits and _), not "{{${body}}}"`
          : 'secrets may only be used in the `with` of http and llm steps (and of host step types that take them), as {{ secrets.NAME }}',
      });
    }
    return problems;
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => findSecretProblems(item, allowed, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => findSecretProblems(item, allowed, [...path, key]));
  }
  return [];
}
