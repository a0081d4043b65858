import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { STATUS_CODES } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { ErrorBody } from '../api/schemas.js';
import { ERROR_CATALOGUE, type ErrorCode } from '../core/errors.js';
import { catalogueCodes, errorResponse, RESPONSE_HEADERS } from './route-schema.js';

/**
 * The OpenAPI 3.1 document, generated from the route schemas (src/api/*-schemas.ts, declared
 * with `routeSchema`, src/http/route-schema.ts) and finished here for generated clients
 * (issue 19 item 10): schemas with an `$id` become named components (`Run`, `Workflow`,
 * `Error`, …), every operation gets the errors any route can answer, every response
 * `X-Request-Id` (429 and 503 also `Retry-After`), and every operation the optional request
 * headers. `npx redocly lint` passes on it without warnings (test/openapi.test.ts).
 */
export const openApiOptions: FastifyDynamicSwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'Slipway public workflow API',
      description:
        "Wire-compatible with Slate's public workflow-service API. Every request carries `Authorization: Bearer slat_<token>`; " +
        'every non-2xx answer has the body `{error, message, request_id, details?}` and every answer an `X-Request-Id` header.',
      version: '1.0.0',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'slat_<token>' } },
    },
    security: [{ bearerAuth: [] }],
  },
  transform: ({ schema, url }) => ({ schema: markNamedSchemas(structuredClone(schema ?? {})), url }),
  transformObject: (documentObject) => finishDocument((documentObject as { openapiObject: OpenApiDocument }).openapiObject),
};

type Json = Record<string, unknown>;
interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Json>; headers?: Json; parameters?: Json };
  [key: string]: unknown;
}
interface Operation {
  security?: unknown[];
  parameters?: Json[];
  responses?: Record<string, Json>;
  [key: string]: unknown;
}

const SCHEMA_NAME = 'x-schema-name';
const ERROR_CODES = 'x-error-codes';
/** `ErrorBody`'s `$id`: the component is called `Error`, as generated clients expect. */
const COMPONENT_NAMES: Record<string, string> = { ErrorBody: 'Error' };
const OPTIONAL_REQUEST_HEADERS = {
  'X-Request-Id': 'Your id for this request (letters, digits, `._:-`, up to 128): echoed in X-Request-Id and request_id',
  'X-Workspace-Id': "When sent, must be the token's workspace id (403 otherwise); empty counts as absent",
  'X-Organization-Id': "When sent, must be the token's organization id (403 otherwise); empty counts as absent",
};

/** Route schemas are TypeBox objects: their `$id`s become markers that `finishDocument` turns into components. */
function markNamedSchemas<T>(value: T): T {
  if (Array.isArray(value)) value.forEach(markNamedSchemas);
  else if (value !== null && typeof value === 'object') {
    const object = value as Json;
    for (const child of Object.values(object)) markNamedSchemas(child);
    if (typeof object.$id === 'string') {
      object[SCHEMA_NAME] = COMPONENT_NAMES[object.$id] ?? object.$id;
      delete object.$id; // or @fastify/swagger names them def-0, def-1, …
    }
  }
  return value;
}

function finishDocument(document: OpenApiDocument): OpenApiDocument {
  const components = (document.components ??= {});
  const schemas = (components.schemas ??= {});
  const { $id: _id, ...errorBody } = stripSymbols(ErrorBody);
  schemas.Error = errorBody;
  components.headers = Object.fromEntries(
    Object.entries(RESPONSE_HEADERS).map(([name, { description, ...schema }]) => [name, { description, schema: stripSymbols(schema) }]),
  );
  components.parameters = Object.fromEntries(
    Object.entries(OPTIONAL_REQUEST_HEADERS).map(([name, description]) => [name, { name, in: 'header', required: false, description, schema: { type: 'string' } }]),
  );
  for (const methods of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(methods)) finishOperation(operation, document.security);
  }
  document.paths = hoistNamedSchemas(document.paths, schemas);
  return document;
}

function finishOperation(operation: Operation, defaultSecurity: unknown) {
  // `security: []` marks a route that takes no token (e.g. the workflow JSON Schema).
  const authenticated = !(Array.isArray(operation.security) && operation.security.length === 0) && defaultSecurity !== undefined;
  const responses = (operation.responses ??= {});
  const universal: ErrorCode[] = ['invalid_request', 'internal_error', 'service_unavailable', ...(authenticated ? (['unauthorized', 'forbidden'] as const) : [])];
  for (const code of universal) {
    const status = String(ERROR_CATALOGUE[code]);
    const existing = responses[status];
    const codes = (existing?.content as { 'application/json'?: { schema?: Json } } | undefined)?.['application/json']?.schema?.[ERROR_CODES] as ErrorCode[] | undefined;
    if (existing && !codes) continue; // a route's own description of that status
    if (!codes?.includes(code)) responses[status] = errorResponseObject([...(codes ?? []), code]);
  }
  for (const [status, response] of Object.entries(responses)) {
    if (response.description === 'Default Response') response.description = STATUS_CODES[Number(status)] ?? 'Success';
    const schema = (response.content as { 'application/json'?: { schema?: Json } } | undefined)?.['application/json']?.schema;
    const codes = schema?.[ERROR_CODES] as ErrorCode[] | undefined;
    if (codes) responses[status] = errorResponseObject(codes);
    const headers = (responses[status]!.headers ??= {}) as Json;
    for (const name of Object.keys(headers)) if (name in RESPONSE_HEADERS) headers[name] = { $ref: `#/components/headers/${name}` };
    headers['X-Request-Id'] = { $ref: '#/components/headers/X-Request-Id' };
    if (status === '429' || status === '503') headers['Retry-After'] = { $ref: '#/components/headers/Retry-After' };
  }
  const parameters = (operation.parameters ??= []);
  const names = Object.keys(OPTIONAL_REQUEST_HEADERS).filter((name) => authenticated || name === 'X-Request-Id');
  for (const name of names) {
    if (!parameters.some((p) => typeof p.name === 'string' && p.name.toLowerCase() === name.toLowerCase())) parameters.push({ $ref: `#/components/parameters/${name}` });
  }
}

/** One error status of an operation, in OpenAPI form: the `Error` component and the codes it may carry. */
function errorResponseObject(codes: ErrorCode[]): Json {
  const ordered = catalogueCodes().filter((code) => codes.includes(code));
  const schema = errorResponse(ordered) as unknown as Json;
  return {
    description: schema['x-response-description'],
    [ERROR_CODES]: ordered,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
}

/** Replaces every marked schema (depth first) with a `$ref` to `components.schemas[name]`. */
function hoistNamedSchemas<T>(value: T, schemas: Record<string, Json>): T {
  if (Array.isArray(value)) return value.map((item) => hoistNamedSchemas(item, schemas)) as T;
  if (value === null || typeof value !== 'object') return value;
  const object: Json = {};
  for (const [key, child] of Object.entries(value as Json)) object[key] = hoistNamedSchemas(child, schemas);
  const name = object[SCHEMA_NAME];
  if (typeof name !== 'string') return object as T;
  delete object[SCHEMA_NAME];
  delete object[ERROR_CODES];
  delete object['x-response-description'];
  const existing = schemas[name];
  if (existing && !isDeepStrictEqual(withoutDescription(existing), withoutDescription(object))) {
    throw new Error(`OpenAPI: two different schemas are named "${name}"; give one of them another $id`);
  }
  schemas[name] ??= object;
  return { $ref: `#/components/schemas/${name}` } as T;
}

function withoutDescription(schema: Json): Json {
  const { description: _description, ...rest } = schema;
  return rest;
}

function stripSymbols(schema: object): Json {
  return JSON.parse(JSON.stringify(schema)) as Json;
}
