import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value, type ValueError } from '@sinclair/typebox/value';
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { AppError } from '../core/errors.js';

/**
 * Request validation without silent coercion (issue 19 item 8). Fastify's default Ajv set-up
 * coerces types everywhere (`{"name": 12345}` became the token name "12345"; a page of
 * 9007199254740993 became …992). Here a JSON body must already have the schema's types,
 * and a query string, path or header value (always text on the wire) is converted only
 * when it is exactly a number or a boolean: `12`, not `1e3`, ` 5` or `0x10`, and an integer
 * only when it is a safe one. Defaults of the schema are filled in afterwards.
 *
 * The problems come back in the shape `toAppError` reads (`validation`: instance path,
 * message, params), so they become `400 invalid_request` with `details`.
 *
 * @example
 * app.setValidatorCompiler(strictValidatorCompiler);
 */
export const strictValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  const fromText = httpPart !== 'body';
  // Value.Default walks the whole value (a 1,000-item batch body, issue 10): only when there is a default to fill in.
  const fillDefaults = hasDefaults(schema);
  return (data: unknown) => {
    let value = data;
    if (fromText && isPlainObject(data)) value = fillDefaults ? Value.Default(schema, convertText(schema, data)) : convertText(schema, data);
    else if (!fromText && fillDefaults && data !== undefined && data !== null) value = Value.Default(schema, data);
    if (check.Check(value)) return { value };
    return { error: validationError(check, value) };
  };
};

/** True when the schema (or a schema inside it) has a `default`. */
function hasDefaults(schema: unknown): boolean {
  const stack: unknown[] = [schema];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (!Array.isArray(node) && Object.hasOwn(node, 'default')) return true;
    stack.push(...Object.values(node));
  }
  return false;
}

interface ValidationProblem {
  instancePath: string;
  message: string;
  params: Record<string, unknown>;
}

function validationError(check: TypeCheck<TSchema>, value: unknown): Error {
  const problems: ValidationProblem[] = [];
  const seen = new Set<string>();
  for (const error of check.Errors(value)) {
    if (seen.has(error.path)) continue; // one problem per place: unions report each branch
    seen.add(error.path);
    problems.push({ instancePath: error.path, message: describe(error), params: {} });
  }
  return Object.assign(new Error(problems.map((p) => `${p.instancePath} ${p.message}`).join('; ')), { validation: problems });
}

function describe(error: ValueError): string {
  const choices = literalChoices(error.schema);
  if (choices) return `must be one of: ${choices.join(', ')}`;
  if (error.value === undefined && /required/i.test(error.message)) return 'is required';
  if (/Unexpected property/i.test(error.message)) return 'is not accepted here';
  if (typeof error.value === 'string' && INTEGER_TEXT.test(error.value) && error.schema.type === 'integer') {
    return `must be an integer of at most ${Number.MAX_SAFE_INTEGER}`;
  }
  return error.message.replace(/^Expected /, 'must be ').replace(/ to be /, ' ');
}

function literalChoices(schema: TSchema): string[] | null {
  const branches = (schema as { anyOf?: { const?: unknown }[] }).anyOf;
  if (!branches || !branches.every((b) => 'const' in b)) return null;
  return branches.map((b) => String(b.const));
}

const INTEGER_TEXT = /^-?(0|[1-9]\d*)$/;
const NUMBER_TEXT = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** Converts text values whose schema wants a number, an integer or a boolean, when they are exactly one. */
function convertText(schema: TSchema, data: Record<string, unknown>): Record<string, unknown> {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties ?? {};
  const converted: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(data)) {
    const property = Object.hasOwn(properties, key) ? properties[key] : undefined;
    converted[key] = property === undefined || typeof raw !== 'string' ? raw : convertOne(property, raw);
  }
  return converted;
}

function convertOne(schema: TSchema, text: string): unknown {
  const types = new Set([schema.type, ...((schema as { anyOf?: TSchema[] }).anyOf ?? []).map((b) => b.type)]);
  if (types.has('integer') && INTEGER_TEXT.test(text)) {
    const number = Number(text);
    // Out of the safe range the text stays text, and the check says "must be integer".
    return Number.isSafeInteger(number) ? number : text;
  }
  if (types.has('number') && NUMBER_TEXT.test(text) && Number.isFinite(Number(text))) return Number(text);
  if (types.has('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * preValidation hook: a path parameter or query value with U+0000 (`%00`) never reaches a
 * store, since PostgreSQL's text cannot hold it. In a path it names nothing (404, SPEC §1);
 * in a query it is a bad value (400).
 */
export async function refuseNulCharacters(request: FastifyRequest): Promise<void> {
  for (const value of Object.values((request.params ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' && value.includes('\u0000')) throw new AppError('not_found', 'Not found: the path holds a NUL character (%00).');
  }
  for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && v.includes('\u0000')) || name.includes('\u0000')) {
      throw new AppError('invalid_request', `The query parameter ${JSON.stringify(name)} holds a NUL character (%00).`, {
        details: [{ path: `query.${name}`, message: 'must not contain a NUL character' }],
      });
    }
  }
}
