import { Value } from '@sinclair/typebox/value';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { parseDuration } from '../core/duration.js';
import { WorkflowDefinitionSchema, type WorkflowDefinition } from './definition.js';
import { checkStepList, formatPath, reservedNameProblem, type Path, type StepTypeShape } from './check-steps.js';
import { findExpressionErrors } from './expressions.js';
import { findSecretProblems } from './secret-references.js';
import { checkScheduleDefinitions } from './schedule-definition.js';

export type { StepTypeShape } from './check-steps.js';

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


export interface ParseOptions {
  /** The workflow id the file is applied as (`PUT /workflows/{id}`): a file `id` that differs is an error at `id`. */
  expectedId?: string;
}

/**
 * Parses a workflow file (YAML, or JSON, which is YAML too) and validates it: its
 * structure, unique step ids, `needs` naming existing steps, no cycles, known step
 * types and their `with` keys, durations, and expressions that parse. Every error
 * names its place in the file.
 *
 * @example
 * const result = parseWorkflowDefinition(text, stepTypes, { expectedId: 'brand-brief' });
 * if (!result.ok) for (const e of result.errors) console.log(`line ${e.line}, column ${e.column}: ${e.message}`);
 */
export function parseWorkflowDefinition(text: string, stepTypes: ReadonlyMap<string, StepTypeShape>, options: ParseOptions = {}): ParseResult {
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
  const errors = [
    ...checkId(definition, options.expectedId, at), ...checkSteps(definition, stepTypes, at), ...checkInputs(definition, at),
    ...checkDurations(definition, at), ...checkScheduleDefinitions(definition).map((problem) => at(problem.path, problem.message)),
  ];
  return errors.length > 0 ? { ok: false, errors } : { ok: true, definition };
}

function checkSteps(
  definition: WorkflowDefinition,
  stepTypes: ReadonlyMap<string, StepTypeShape>,
  at: (path: Path, message: string) => DefinitionError,
): DefinitionError[] {
  const errors = checkStepList(definition.steps, ['steps'], stepTypes, at);
  for (const problem of findExpressionErrors(definition.output ?? null)) errors.push(at(['output', ...problem.path], problem.message));
  for (const problem of findSecretProblems(definition.output ?? null, false)) errors.push(at(['output', ...problem.path], problem.message));
  return errors;
}

function checkId(definition: WorkflowDefinition, expectedId: string | undefined, at: (path: Path, message: string) => DefinitionError): DefinitionError[] {
  if (expectedId === undefined || definition.id === undefined || definition.id === expectedId) return [];
  return [at(['id'], `the file names id "${definition.id}" but it is applied as "${expectedId}"; remove the id or make them equal`)];
}

function checkInputs(definition: WorkflowDefinition, at: (path: Path, message: string) => DefinitionError): DefinitionError[] {
  const errors: DefinitionError[] = [];
  const names = new Set<string>();
  (definition.inputs ?? []).forEach((input, i) => {
    if (names.has(input.variableName)) errors.push(at(['inputs', i, 'variableName'], `duplicate input "${input.variableName}"`));
    names.add(input.variableName);
    const reserved = reservedNameProblem('an input name', input.variableName);
    if (reserved) errors.push(at(['inputs', i, 'variableName'], reserved));
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
  check(definition.ttl, ['ttl']);
  const key = definition.concurrency?.key;
  if (key !== undefined) {
    for (const problem of findExpressionErrors(key)) errors.push(at(['concurrency', 'key', ...problem.path], problem.message));
    for (const problem of findSecretProblems(key, false)) errors.push(at(['concurrency', 'key', ...problem.path], problem.message));
  }
  return errors;
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
