import jsonata from 'jsonata';
import { budgetErrorOf, DEFAULT_EXPRESSION_BUDGET, type ExpressionBudget, MAX_LIST_ITEMS, METER_BINDING, newMeter, onEvaluateEntry, onEvaluateExit } from './expression-budget.js';
import { evaluateInWorker } from './expression-worker.js';

export { DEFAULT_EXPRESSION_BUDGET, type ExpressionBudget, ExpressionLimitError } from './expression-budget.js';

/**
 * `{{ expr }}` templates with JSONata inside (SPEC §5). A string that is one whole
 * `{{ expr }}` takes the expression's value and type; text around the braces makes a
 * string. Every string in a value is evaluated, recursively through lists and objects.
 * An expression cannot itself contain `}}` (write `} }`).
 */

type Expression = ReturnType<typeof jsonata>;
/** Where an expression is evaluated: on the main thread under hooks, or in a worker with a hard limit. */
type Route = 'main' | 'worker';
interface Compiled {
  expression: Expression;
  route: Route;
}

const WHOLE = /^\s*\{\{([\s\S]*?)\}\}\s*$/;
const PART = /\{\{([\s\S]*?)\}\}/g;
const compiled = new Map<string, Compiled>();
const CACHE_LIMIT = 5000;

/**
 * Built-in functions whose work on big data happens in one synchronous call, where the
 * hooks cannot pause or stop it (`$sort`, `$distinct` is quadratic, `$pad` builds any
 * length, `$split` can make millions of items at once, `$eval` runs code the hooks never saw).
 */
const UNHOOKABLE_FUNCTIONS = new Set(['sort', 'distinct', 'pad', 'split', 'eval']);

/** Compiles (and caches) one JSONata expression; throws the JSONata error when it does not parse. */
function compile(source: string): Compiled {
  let entry = compiled.get(source);
  if (!entry) {
    const expression = jsonata(source, { sequence: MAX_LIST_ITEMS });
    expression.assign(Symbol.for('jsonata.__evaluate_entry') as unknown as string, onEvaluateEntry);
    expression.assign(Symbol.for('jsonata.__evaluate_exit') as unknown as string, onEvaluateExit);
    entry = { expression, route: routeOf(expression.ast()) };
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(source, entry);
  }
  return entry;
}

/** A regex (backtracking happens inside one native call) or an unhookable function: worker. */
function routeOf(node: unknown): Route {
  if (Array.isArray(node)) return node.some((item) => routeOf(item) === 'worker') ? 'worker' : 'main';
  if (node === null || typeof node !== 'object') return 'main';
  const { type, value } = node as { type?: unknown; value?: unknown };
  if (type === 'regex') return 'worker';
  if (type === 'variable' && typeof value === 'string' && UNHOOKABLE_FUNCTIONS.has(value)) return 'worker';
  return Object.values(node).some((child) => child !== null && typeof child === 'object' && routeOf(child) === 'worker') ? 'worker' : 'main';
}

/** Where `source` is evaluated (for tests and docs); throws when it does not parse. */
export function expressionRoute(source: string): Route {
  return compile(source).route;
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

async function evaluateExpression(source: string, scope: unknown, budget: ExpressionBudget): Promise<unknown> {
  const { expression, route } = compile(source);
  if (route === 'worker') return evaluateInWorker(source, scope, budget);
  try {
    const result: unknown = await expression.evaluate(scope, { [METER_BINDING]: newMeter(budget) });
    return normalize(result);
  } catch (error) {
    throw budgetErrorOf(error, budget) ?? error;
  }
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
export async function evaluateTemplate(text: string, scope: unknown, budget: ExpressionBudget = DEFAULT_EXPRESSION_BUDGET): Promise<unknown> {
  const whole = wholeExpression(text);
  if (whole !== null) return evaluateExpression(whole, scope, budget);
  if (!text.includes('{{')) return text;
  let result = '';
  let last = 0;
  for (const match of text.matchAll(PART)) {
    result += text.slice(last, match.index) + interpolated(await evaluateExpression(match[1]!, scope, budget));
    last = match.index! + match[0].length;
  }
  return result + text.slice(last);
}

/**
 * Evaluates every string in a value, recursively through lists and objects. Each
 * expression has its own budget (SPEC §16); going over it throws an `ExpressionLimitError`.
 * @example await evaluateValue({ greeting: 'Hi {{ inputs.name }}' }, { inputs: { name: 'Ada' } }) // { greeting: 'Hi Ada' }
 */
export async function evaluateValue(value: unknown, scope: unknown, budget: ExpressionBudget = DEFAULT_EXPRESSION_BUDGET): Promise<unknown> {
  if (typeof value === 'string') return evaluateTemplate(value, scope, budget);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) out.push(await evaluateValue(item, scope, budget));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = await evaluateValue(item, scope, budget);
    return out;
  }
  return value;
}
