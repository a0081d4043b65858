import { Value } from '@sinclair/typebox/value';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { parseDuration } from '../core/duration.js';
import { WorkflowDefinitionSchema, type WorkflowDefinition } from './definition.js';
import { findExpressionErrors } from './expressions.js';
import { stepDependencies } from './step-graph.js';

/** What apply needs to know of a step type to validate a definition. */
export interface StepTypeShape {
  withKeys?: readonly string[];
  requiredWithKeys?: readonly string[];
}

/** One problem in a definition file, with the place it is at. */
export interface DefinitionError {
  /** Place in the document, e.g. `steps[1].needs[0]`. */
  path: string;
  /** 1-based line and column in the file, where known. */
  line: number | null;
  column: number | null;
  message: string;
}

export type ParseResult = { ok: true; definition: WorkflowDefinition } | { ok: false; errors: DefinitionError[] };

type Path = (string | number)[];

/**
 * Parses a workflow file (YAML, or JSON, which is YAML too) and validates it: its
 * structure, unique step ids, `needs` naming existing steps, no cycles, known step
 * types and their `with` keys, durations, and expressions that parse. Every error
 * names its place in the file.
 */
export function parseWorkflowDefinition(text: string, stepTypes: ReadonlyMap<string, StepTypeShape>): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { path: '', line: pos.line, column: pos.col, message: e.message.split('\n')[0]! };
      }),
    };
  }
  const value: unknown = doc.toJS();
  const at = (path: Path, message: string): DefinitionError => locate(doc, lineCounter, path, message);

  if (!Value.Check(WorkflowDefinitionSchema, value)) {
    const seen = new Set<string>();
    const errors: DefinitionError[] = [];
    for (const error of Value.Errors(WorkflowDefinitionSchema, value)) {
      const path = error.path.split('/').slice(1).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
      const key = path.join('.');
      if (seen.has(key)) continue;
      seen.add(key);
      errors.push(at(path, error.message));
    }
    return { ok: false, errors };
  }
  const definition = value;
  const errors = [...checkSteps(definition, stepTypes, at), ...checkInputs(definition, at), ...checkDurations(definition, at)];
  return errors.length > 0 ? { ok: false, errors } : { ok: true, definition };
}

function checkSteps(
  definition: WorkflowDefinition,
  stepTypes: ReadonlyMap<string, StepTypeShape>,
  at: (path: Path, message: string) => DefinitionError,
): DefinitionError[] {
  const errors: DefinitionError[] = [];
  const ids = new Map<string, number>();
  definition.steps.forEach((step, i) => {
    if (ids.has(step.id)) errors.push(at(['steps', i, 'id'], `duplicate step id "${step.id}" (first used by steps[${ids.get(step.id)}])`));
    else ids.set(step.id, i);
    const shape = stepTypes.get(step.type);
    if (!shape) {
      errors.push(at(['steps', i, 'type'], `unknown step type "${step.type}"; known types: ${[...stepTypes.keys()].join(', ')}`));
    } else {
      const given = Object.keys(step.with ?? {});
      if (shape.withKeys) {
        for (const key of given.filter((k) => !shape.withKeys!.includes(k))) {
          errors.push(at(['steps', i, 'with', key], `step type "${step.type}" does not accept with.${key}; it accepts: ${shape.withKeys.join(', ') || 'nothing'}`));
        }
      }
      for (const key of (shape.requiredWithKeys ?? []).filter((k) => !given.includes(k))) {
        errors.push(at(['steps', i, 'with'], `step type "${step.type}" needs with.${key}`));
      }
    }
    for (const problem of findExpressionErrors(step.with ?? {}, [])) errors.push(at(['steps', i, 'with', ...problem.path], problem.message));
    if (typeof step.if === 'string') {
      for (const problem of findExpressionErrors(step.if)) errors.push(at(['steps', i, 'if'], problem.message));
    }
  });
  (definition.steps).forEach((step, i) => {
    (step.needs ?? []).forEach((need, j) => {
      if (!ids.has(need)) errors.push(at(['steps', i, 'needs', j], `needs "${need}", which is not a step of this workflow`));
      if (need === step.id) errors.push(at(['steps', i, 'needs', j], `step "${step.id}" needs itself`));
    });
  });
  for (const problem of findExpressionErrors(definition.output ?? null)) errors.push(at(['output', ...problem.path], problem.message));
  if (errors.length === 0) {
    const cycle = findCycle(definition);
    if (cycle) errors.push(at(['steps', ids.get(cycle[0]!)!, 'needs'], `steps form a cycle: ${cycle.join(' -> ')}`));
  }
  return errors;
}

function checkInputs(definition: WorkflowDefinition, at: (path: Path, message: string) => DefinitionError): DefinitionError[] {
  const errors: DefinitionError[] = [];
  const names = new Set<string>();
  (definition.inputs ?? []).forEach((input, i) => {
    if (names.has(input.variableName)) errors.push(at(['inputs', i, 'variableName'], `duplicate input "${input.variableName}"`));
    names.add(input.variableName);
    const needsOptions = input.type === 'select' || input.type === 'multiselect';
    if (needsOptions && !input.options) errors.push(at(['inputs', i], `a ${input.type} input needs options`));
    if (!needsOptions && input.options) errors.push(at(['inputs', i, 'options'], `options only apply to select and multiselect inputs`));
  });
  return errors;
}

function checkDurations(definition: WorkflowDefinition, at: (path: Path, message: string) => DefinitionError): DefinitionError[] {
  const errors: DefinitionError[] = [];
  const check = (value: string | number | undefined, path: Path) => {
    if (value !== undefined && parseDuration(value) === null) errors.push(at(path, `"${value}" is not a duration such as 500ms, 20s, 10m or 1h`));
  };
  check(definition.timeout, ['timeout']);
  definition.steps.forEach((step, i) => {
    check(step.timeout, ['steps', i, 'timeout']);
    check(step.retry?.delay, ['steps', i, 'retry', 'delay']);
    check(step.retry?.maxDelay, ['steps', i, 'retry', 'maxDelay']);
  });
  return errors;
}

/** A cycle among the steps' dependencies, as step ids, or null. */
function findCycle(definition: WorkflowDefinition): string[] | null {
  const deps = stepDependencies(definition.steps);
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
  for (const step of definition.steps) {
    const cycle = visit(step.id);
    if (cycle) return cycle;
  }
  return null;
}

/** The closest node of the document at `path`, as a line and column. */
function locate(doc: Document, lineCounter: LineCounter, path: Path, message: string): DefinitionError {
  let node: unknown = null;
  for (let n = path.length; n >= 0 && !node; n--) {
    const found = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(found) && found.range) node = found;
  }
  const range = (node as { range?: [number, number, number] } | null)?.range;
  const pos = range ? lineCounter.linePos(range[0]) : null;
  return { path: formatPath(path), line: pos?.line ?? null, column: pos?.col ?? null, message };
}

function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
