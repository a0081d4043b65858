import jsonata from 'jsonata';

/**
 * `{{ expr }}` templates with JSONata inside (SPEC §5). A string that is one whole
 * `{{ expr }}` takes the expression's value and type; text around the braces makes a
 * string. Every string in a value is evaluated, recursively through lists and objects.
 * An expression cannot itself contain `}}` (write `} }`).
 */

type Expression = ReturnType<typeof jsonata>;

const WHOLE = /^\s*\{\{([\s\S]*?)\}\}\s*$/;
const PART = /\{\{([\s\S]*?)\}\}/g;
const compiled = new Map<string, Expression>();
const CACHE_LIMIT = 5000;

/** Compiles (and caches) one JSONata expression; throws the JSONata error when it does not parse. */
function compile(source: string): Expression {
  let expression = compiled.get(source);
  if (!expression) {
    expression = jsonata(source);
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(source, expression);
  }
  return expression;
}

function wholeExpression(text: string): string | null {
  const match = WHOLE.exec(text);
  if (!match || match[1]!.includes('{{')) return null;
  return match[1]!;
}

/** The expressions inside one string, in order. */
export function expressionsIn(text: string): string[] {
  return [...text.matchAll(PART)].map((m) => m[1]!);
}

export interface ExpressionProblem {
  /** Path inside the checked value, e.g. `with.url`; empty for the value itself. */
  path: (string | number)[];
  message: string;
}

/** Every expression in `value` that does not parse, with where it is. */
export function findExpressionErrors(value: unknown, path: (string | number)[] = []): ExpressionProblem[] {
  if (typeof value === 'string') {
    const problems: ExpressionProblem[] = [];
    for (const source of expressionsIn(value)) {
      try {
        compile(source);
      } catch (error) {
        problems.push({ path, message: `expression "${source.trim()}" does not parse: ${(error as Error).message}` });
      }
    }
    return problems;
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => findExpressionErrors(item, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => findExpressionErrors(item, [...path, key]));
  }
  return [];
}

async function evaluateExpression(source: string, scope: unknown): Promise<unknown> {
  const result: unknown = await compile(source).evaluate(scope);
  return normalize(result);
}

/** JSONata results can carry internal markers (sequences); round-trip to plain JSON values. */
function normalize(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'function') return null;
  return value !== null && typeof value === 'object' ? JSON.parse(JSON.stringify(value)) : value;
}

function interpolated(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Evaluates one template string. */
export async function evaluateTemplate(text: string, scope: unknown): Promise<unknown> {
  const whole = wholeExpression(text);
  if (whole !== null) return evaluateExpression(whole, scope);
  if (!text.includes('{{')) return text;
  let result = '';
  let last = 0;
  for (const match of text.matchAll(PART)) {
    result += text.slice(last, match.index) + interpolated(await evaluateExpression(match[1]!, scope));
    last = match.index! + match[0].length;
  }
  return result + text.slice(last);
}

/**
 * Evaluates every string in a value, recursively through lists and objects.
 * @example await evaluateValue({ greeting: 'Hi {{ inputs.name }}' }, { inputs: { name: 'Ada' } }) // { greeting: 'Hi Ada' }
 */
export async function evaluateValue(value: unknown, scope: unknown): Promise<unknown> {
  if (typeof value === 'string') return evaluateTemplate(value, scope);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) out.push(await evaluateValue(item, scope));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = await evaluateValue(item, scope);
    return out;
  }
  return value;
}
