import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '../api/schemas.js';
import { AppError, ERROR_CATALOGUE, type ErrorCode, type ErrorDetail } from '../core/errors.js';

/**
 * The one place where errors become HTTP answers (SPEC §1): every non-2xx body is
 * `{error, message, request_id, details?}`. Fastify's own errors (validation, body
 * parsing, size, media type) are translated into catalogue codes here; anything
 * unexpected becomes a 500 that leaks nothing but the request id.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const unavailable = unavailableDatabase(error);
  if (unavailable) return unavailable;
  const fastifyError = error as FastifyError & { validation?: { instancePath: string; message?: string; params?: Record<string, unknown> }[]; validationContext?: string };
  if (fastifyError.validation) {
    const context = fastifyError.validationContext ?? 'body';
    const details: ErrorDetail[] = fastifyError.validation.map((v) => ({
      path: validationPath(context, v.instancePath, v.params),
      message: v.message ?? 'is invalid',
    }));
    return new AppError('invalid_request', `The request ${context} is invalid: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}.`, { details });
  }
  switch (fastifyError.statusCode) {
    case 400:
      return new AppError('invalid_request', fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
        ? 'The request body is not valid JSON.'
        : publicMessage(fastifyError));
    case 413:
      return new AppError('payload_too_large', 'The request body is larger than 1 MiB (10 MiB for a batch create).');
    case 415:
      return new AppError('unsupported_media_type', 'Send the request body as application/json (a workflow definition also as application/yaml).');
    case 404:
      return new AppError('not_found', 'Not found.');
    case 405:
      return new AppError('method_not_allowed', 'Method not allowed.');
    default:
      if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
        return new AppError('invalid_request', publicMessage(fastifyError));
      }
      return new AppError('internal_error', 'An unexpected error occurred; the request id identifies it in the server log.');
  }
}

/** Seconds a client is asked to wait when the database is busy or full (the lock holder usually finishes sooner). */
export const UNAVAILABLE_RETRY_AFTER_S = 1;

// A write lock another process holds for longer than the store waits, or a full disk: not the
// request's fault, and worth retrying (issue 19 item 6). The store maps these itself where it
// can; this catches any that escape it (SQLite's extended codes start with the primary one).
const UNAVAILABLE_DATABASE_CODES = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|PROTOCOL)/;

function unavailableDatabase(error: unknown): AppError | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !UNAVAILABLE_DATABASE_CODES.test(code)) return null;
  const full = code.startsWith('SQLITE_FULL');
  return new AppError('service_unavailable', full ? 'The database is full (no space left); retry once space is freed.' : 'The database is busy; retry shortly.');
}

function validationPath(context: string, instancePath: string, params?: Record<string, unknown>): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (params && typeof params.missingProperty === 'string') parts.push(params.missingProperty);
  if (params && typeof params.additionalProperty === 'string') parts.push(params.additionalProperty);
  return [context === 'querystring' ? 'query' : context, ...parts].join('.');
}

function publicMessage(error: FastifyError): string {
  // Fastify's 4xx messages describe the request, not the server: safe to show.
  return error.message || 'The request is invalid.';
}

export function errorBody(error: AppError, requestId: string): ErrorBody {
  return {
    error: error.code,
    message: error.message,
    request_id: requestId,
    ...(error.details !== undefined && { details: error.details }),
  };
}

export function sendError(reply: FastifyReply, request: FastifyRequest, error: AppError) {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  if (error.code === 'service_unavailable' && error.headers['Retry-After'] === undefined) reply.header('Retry-After', String(UNAVAILABLE_RETRY_AFTER_S));
  return reply.status(ERROR_CATALOGUE[error.code as ErrorCode]).send(errorBody(error, request.id));
}
