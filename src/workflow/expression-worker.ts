import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { budgetErrorOf, type ExpressionBudget, MAX_LIST_ITEMS, timeoutError, tooLargeError } from './expression-budget.js';

/**
 * Evaluates the expressions the main-thread hooks cannot bound (see routeOf in
 * expressions.ts) in worker threads with a hard limit: a worker that overruns the
 * expression's time budget is terminated (a regex that backtracks cannot be
 * interrupted any other way), and one that runs out of its heap dies alone. At most
 * `POOL_SIZE` workers; further evaluations wait for one.
 */

const POOL_SIZE = 2;
/** Heap of one expression worker: a runaway value kills the worker, not the service. */
const WORKER_HEAP_MB = 512;

// Plain JavaScript, evaluated in the worker (no TypeScript loader there, no file to find in dist/).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const v8 = require('node:v8');
const jsonata = require(workerData.jsonataPath);
const compiled = new Map();
// Stop well before the heap limit: a worker that reaches it can abort the whole process (nodejs/node#47224).
const heapCeiling = v8.getHeapStatistics().heap_size_limit * 0.6;
let nodes = 0;
parentPort.on('message', async ({ source, scope, maxDepth, maxValueSize, maxListItems }) => {
  try {
    let expression = compiled.get(source);
    if (!expression) {
      expression = jsonata(source, { sequence: maxListItems });
      expression.assign(Symbol.for('jsonata.__evaluate_entry'), (node, input, env) => {
        if (env.base.depth > maxDepth) throw { code: 'D1011' };
        if ((++nodes & 4095) === 0 && v8.getHeapStatistics().used_heap_size > heapCeiling) throw { code: 'D2015' };
      });
      expression.assign(Symbol.for('jsonata.__evaluate_exit'), (node, input, env, result) => {
        if ((typeof result === 'string' && result.length > maxValueSize) || (Array.isArray(result) && result.length > maxListItems)) throw { code: 'D2015' };
      });
      if (compiled.size > 500) compiled.clear();
      compiled.set(source, expression);
    }
    const value = await expression.evaluate(scope);
    const json = value === undefined || typeof value === 'function' ? 'null' : JSON.stringify(value);
    parentPort.postMessage({ ok: true, json: json === undefined ? 'null' : json });
  } catch (error) {
    const stack = error instanceof RangeError && /call stack/.test(error.message);
    parentPort.postMessage({ ok: false, code: stack ? 'D1011' : error && error.code, message: error && error.message ? error.message : String(error) });
  }
});
parentPort.postMessage({ ready: true });
`;

interface Job {
  source: string;
  scope: unknown;
  budget: ExpressionBudget;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** `code`: JSONata's error code (D1011 too deep, D2015 too long, …) when there is one. */
type WorkerAnswer = { ok: true; json: string } | { ok: false; code: unknown; message: string };

const jsonataPath = createRequire(import.meta.url).resolve('jsonata');
const idle: Worker[] = [];
const queue: Job[] = [];
let busy = 0;

let starting = 0;

/** A new worker joins the idle ones once it has loaded JSONata (its start-up is not counted against an expression). */
function spawn() {
  starting++;
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { jsonataPath }, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
  worker.unref();
  const started = () => {
    worker.removeAllListeners('message').removeAllListeners('error');
    starting--;
  };
  worker.once('message', () => {
    started();
    idle.push(worker);
    next();
  });
  worker.once('error', (error) => {
    started();
    // Could not start a worker at all: fail what waits rather than hang.
    for (const job of queue.splice(0)) job.reject(new Error(`could not start an expression worker: ${error.message}`));
  });
}

function runJob(worker: Worker, job: Job) {
  busy++;
  let settled = false;
  const done = (reuse: boolean) => {
    settled = true;
    clearTimeout(timer);
    worker.removeAllListeners('message').removeAllListeners('error').removeAllListeners('exit');
    busy--;
    if (reuse) idle.push(worker);
    else void worker.terminate();
    next();
  };
  const timer = setTimeout(() => {
    if (settled) return;
    done(false);
    job.reject(timeoutError(job.budget));
  }, job.budget.timeoutMs);
  worker.on('message', (answer: WorkerAnswer) => {
    if (settled) return;
    done(true);
    if (answer.ok) job.resolve(JSON.parse(answer.json));
    else job.reject(budgetErrorOf({ code: answer.code }, job.budget) ?? Object.assign(new Error(answer.message), { code: answer.code }));
  });
  const died = (error?: Error) => {
    if (settled) return;
    done(false);
    const outOfMemory = (error as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    job.reject(outOfMemory ? tooLargeError(job.budget) : new Error(`the expression worker stopped: ${error?.message ?? 'exit'}`));
  };
  worker.on('error', died);
  worker.on('exit', () => died());
  worker.postMessage({ source: job.source, scope: job.scope, maxDepth: job.budget.maxDepth, maxValueSize: job.budget.maxValueSize, maxListItems: MAX_LIST_ITEMS });
}

function next() {
  while (queue.length > 0 && idle.length > 0) runJob(idle.pop()!, queue.shift()!);
  if (queue.length > 0 && busy + idle.length + starting < POOL_SIZE) spawn();
}

/** Evaluates one expression in a worker thread, failing with EXPRESSION_TIMEOUT when it overruns. */
export function evaluateInWorker(source: string, scope: unknown, budget: ExpressionBudget): Promise<unknown> {
  return new Promise((resolve, reject) => {
    queue.push({ source, scope, budget, resolve, reject });
    next();
  });
}
