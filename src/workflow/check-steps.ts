import { Value } from '@sinclair/typebox/value';
import { parseDuration } from '../core/duration.js';
import { StepDefinitionSchema, type StepDefinition } from './definition.js';
import { findExpressionErrors } from './expressions.js';
import { findSecretProblems } from './secret-references.js';
import { stepDependencies } from './step-graph.js';

/** What apply needs to know of a step type to validate a definition (a `StepType` has it). */
export interface StepTypeShape {
  /** Schema of `with`: its property names are the accepted keys, `required` the needed ones. */
  input: { properties?: Record<string, unknown>; required?: string[]; additionalProperties?: unknown };
  /** A `with` key holding nested steps (map's `steps`), validated as a step list. */
  nestedSteps?: string;
  /** False when the type does not take a `retry` policy. */
  retryable?: boolean;
  /** False when the type does not take a step-level `timeout`. */
  takesTimeout?: boolean;
  /** Where `{{ secrets.NAME }}` may appear in `with`: every key, or these (SPEC §13). */
  secretFields?: 'all' | readonly string[];
}

export type Path = (string | number)[];

/**
 * Names a step id or an input may not have: the properties every JavaScript object has
 * (`__proto__`, `constructor`, `toString`, …). As keys of `steps.<id>` or `inputs.<name>`
 * they would read or replace an object's prototype instead of a value (issue 19 item 8).
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

export function reservedNameProblem(kind: 'a step id' | 'an input name', name: string): string | null {
  return RESERVED_NAMES.has(name) ? `"${name}" cannot be ${kind}: every JavaScript object has a property of that name; choose another` : null;
}
export type At<E> = (path: Path, message: string) => E;

/**
 * Checks a list of steps (a workflow's, or a `map`'s sub-steps at `base`): unique ids,
 * known types and their `with` keys, `needs` naming steps of the same list, no cycles,
 * expressions that parse, and nested step lists, recursively.
 */
export function checkStepList<E>(steps: readonly StepDefinition[], base: Path, stepTypes: ReadonlyMap<string, StepTypeShape>, at: At<E>): E[] {
  const errors: E[] = [];
  const ids = new Map<string, number>();
  steps.forEach((step, i) => {
    const here = [...base, i];
    if (ids.has(step.id)) errors.push(at([...here, 'id'], `duplicate step id "${step.id}" (first used by ${formatPath([...base, ids.get(step.id)!])})`));
    else ids.set(step.id, i);
    const reserved = reservedNameProblem('a step id', step.id);
    if (reserved) errors.push(at([...here, 'id'], reserved));
    const shape = stepTypes.get(step.type);
    if (!shape) {
      errors.push(at([...here, 'type'], `unknown step type "${step.type}"; known types: ${[...stepTypes.keys()].join(', ')}`));
    } else {
      errors.push(...checkWith(step, here, shape, stepTypes, at));
      if (step.retry && shape.retryable === false) errors.push(at([...here, 'retry'], `step type "${step.type}" takes no retry policy`));
      if (step.timeout !== undefined && shape.takesTimeout === false) errors.push(at([...here, 'timeout'], `step type "${step.type}" takes no step-level timeout; use with.timeout`));
    }
    for (const [value, path] of [[step.timeout, 'timeout'], [step.retry?.delay, 'retry.delay'], [step.retry?.maxDelay, 'retry.maxDelay']] as const) {
      if (value !== undefined && parseDuration(value) === null) {
        errors.push(at([...here, ...path.split('.')], `"${value}" is not a duration such as 500ms, 20s, 10m or 1h`));
      }
    }
    if (typeof step.if === 'string') {
      for (const problem of findExpressionErrors(step.if)) errors.push(at([...here, 'if'], problem.message));
      for (const problem of findSecretProblems(step.if, false)) errors.push(at([...here, 'if'], problem.message));
    }
  });
  steps.forEach((step, i) => {
    (step.needs ?? []).forEach((need, j) => {
      if (need === step.id) errors.push(at([...base, i, 'needs', j], `step "${step.id}" needs itself`));
      else if (!ids.has(need)) errors.push(at([...base, i, 'needs', j], `needs "${need}", which is not a step of this ${base.length > 1 ? 'step list' : 'workflow'}`));
    });
  });
  if (errors.length === 0) {
    const cycle = findCycle(steps);
    if (cycle) errors.push(at([...base, ids.get(cycle[0]!)!, 'needs'], `steps form a cycle: ${cycle.join(' -> ')}`));
  }
  return errors;
}

function checkWith<E>(step: StepDefinition, here: Path, shape: StepTypeShape, stepTypes: ReadonlyMap<string, StepTypeShape>, at: At<E>): E[] {
  const errors: E[] = [];
  const given = step.with ?? {};
  const accepted = Object.keys(shape.input.properties ?? {});
  if (shape.input.additionalProperties === false) {
    for (const key of Object.keys(given).filter((k) => !accepted.includes(k))) {
      errors.push(at([...here, 'with', key], `step type "${step.type}" does not accept with.${key}; it accepts: ${accepted.join(', ') || 'nothing'}`));
    }
  }
  for (const key of (shape.input.required ?? []).filter((k) => !(k in given))) {
    errors.push(at([...here, 'with'], `step type "${step.type}" needs with.${key}`));
  }
  for (const [key, value] of Object.entries(given)) {
    if (key === shape.nestedSteps) {
      errors.push(...checkNested(value, [...here, 'with', key], stepTypes, at));
      continue;
    }
    for (const problem of findExpressionErrors(value, [])) errors.push(at([...here, 'with', key, ...problem.path], problem.message));
    const secretsAllowed = shape.secretFields === 'all' || (shape.secretFields ?? []).includes(key);
    for (const problem of findSecretProblems(value, secretsAllowed)) errors.push(at([...here, 'with', key, ...problem.path], problem.message));
  }
  return errors;
}

function checkNested<E>(value: unknown, path: Path, stepTypes: ReadonlyMap<string, StepTypeShape>, at: At<E>): E[] {
  if (!Array.isArray(value) || value.length === 0) return [at(path, 'must be a non-empty list of steps')];
  const errors: E[] = [];
  value.forEach((item, i) => {
    const seen = new Set<string>();
    for (const error of Value.Errors(StepDefinitionSchema, item)) {
      const sub = error.path.split('/').slice(1).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
      const key = sub.join('.');
      if (seen.has(key)) continue;
      seen.add(key);
      errors.push(at([...path, i, ...sub], error.message));
    }
  });
  return errors.length > 0 ? errors : checkStepList(value as StepDefinition[], path, stepTypes, at);
}

/** A cycle among the steps' dependencies, as step ids, or null. */
function findCycle(steps: readonly StepDefinition[]): string[] | null {
  const deps = stepDependencies(steps);
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === 'done') return null;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of deps.get(id) ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };
  for (const step of steps) {
    const cycle = visit(step.id);
    if (cycle) return cycle;
  }
  return null;
}

export function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
