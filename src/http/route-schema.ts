import type { TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { ErrorBody } from '../api/schemas.js';
import { ERROR_CATALOGUE, ERROR_DESCRIPTIONS, type ErrorCode } from '../core/errors.js';

/**
 * How a route declares its schema for validation and for the OpenAPI document (issue 19
 * item 10): an `operationId` (generated clients name their methods after it), and the
 * errors it answers by catalogue code. The error responses are generated from the one
 * catalogue (src/core/errors.ts): per status, the error body with `error` limited to those
 * codes and a description listing them.
 *
 * Every operation also gets, from the document builder (src/http/openapi.ts): the errors
 * any route can answer (400 `invalid_request` for a malformed request, 401/403 when it
 * takes a token, 500, 503), `X-Request-Id` on every response, `Retry-After` on 429/503, and
 * the optional request headers. Schemas with an `$id` become named components.
 *
 * @example
 * api.get('/widgets/:widgetId', routeSchema({
 *   operationId: 'getWidget',
 *   summary: 'Get a widget',
 *   tags: ['widgets'],
 *   params: WidgetIdParams,
 *   response: { 200: WidgetSchema },
 *   errors: ['not_found'],
 * }), handler);
 */
export function routeSchema<const Spec extends RouteSpec>(spec: Spec) {
  const { errors = [], responseHeaders = {}, response, ...rest } = spec;
  const withHeaders: Record<number, TSchema> = {};
  for (const [status, schema] of Object.entries(response as Record<string, TSchema>)) {
    const names = responseHeaders[Number(status)] ?? [];
    withHeaders[Number(status)] = names.length === 0 ? schema : { ...schema, headers: Object.fromEntries(names.map((n) => [n, RESPONSE_HEADERS[n]])) };
  }
  return { schema: { ...rest, response: { ...(withHeaders as Spec['response']), ...errorResponses(...errors) } } };
}

export interface RouteSpec {
  /** camelCase verb + noun, unique in the API: `getRun`, `createWorkflowRun`. */
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  params?: TSchema;
  querystring?: TSchema;
  headers?: TSchema;
  body?: TSchema;
  /** Success responses by status. */
  response: Record<number, TSchema>;
  /** The catalogue codes this route answers besides the ones every route may (see above). */
  errors?: ErrorCode[];
  /** Response headers a success status carries, e.g. `{ 202: ['Idempotent-Replayed'] }`. */
  responseHeaders?: Record<number, ResponseHeaderName[]>;
  /** Other Fastify route schema fields (`consumes`, `security`, `hide`). */
  [field: string]: unknown;
}

/** Response headers the API sets, documented once (components.headers). */
export const RESPONSE_HEADERS = {
  'X-Request-Id': Type.String({ description: "The request's id: the caller's own X-Request-Id when sane, else a UUID; also in error bodies as request_id" }),
  'Retry-After': Type.Integer({ minimum: 0, description: 'Seconds to wait before trying again' }),
  'Idempotent-Replayed': Type.Literal('true', { description: 'Present when an earlier run with the same Idempotency-Key was returned' }),
} as const;
export type ResponseHeaderName = keyof typeof RESPONSE_HEADERS;

/**
 * Error responses for the OpenAPI document, by catalogue code (or by status, for every code
 * of that status), all with the one error body (SPEC §1).
 *
 * @example
 * response: { 200: RunSchema, ...errorResponses('not_found') }
 */
export function errorResponses(...items: (ErrorCode | number)[]): Record<number, TSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const item of items) {
    const codes = typeof item === 'number' ? catalogueCodes().filter((c) => ERROR_CATALOGUE[c] === item) : [item];
    for (const code of codes) {
      const status = ERROR_CATALOGUE[code];
      const list = byStatus.get(status) ?? [];
      if (!list.includes(code)) list.push(code);
      byStatus.set(status, list);
    }
  }
  const responses: Record<number, TSchema> = {};
  for (const [status, codes] of byStatus) responses[status] = errorResponse(codes);
  return responses;
}

/** One status's error response: the error body, `error` narrowed to the codes, a description naming each. */
export function errorResponse(codes: readonly ErrorCode[]): TSchema {
  const description = codes.map((code) => `\`${code}\`: ${ERROR_DESCRIPTIONS[code]}`).join('; ');
  // `x-response-description` describes the response without changing the (shared) schema.
  return { ...ErrorBody, 'x-error-codes': [...codes], 'x-response-description': description };
}

export function catalogueCodes(): ErrorCode[] {
  return Object.keys(ERROR_CATALOGUE) as ErrorCode[];
}
