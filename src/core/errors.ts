/**
 * The one catalogue of API error codes (STYLE principle 9). Each code has its HTTP
 * status; the HTTP layer turns an `AppError` into the documented body
 * `{error, message, request_id, details?}` in one place (src/http/error-mapping.ts).
 */
export const ERROR_CATALOGUE = {
  invalid_request: 400,
  invalid_inputs: 400,
  /** A workflow definition that does not validate; details carry path, line and column (SPEC §14). */
  invalid_definition: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  workflow_not_published: 409,
  idempotency_conflict: 409,
  not_cancelable: 409,
  delivery_pending: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  daily_run_limit_exceeded: 429,
  concurrent_run_limit_exceeded: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * One field-level problem, e.g. `{path: "inputs.brandDomain", message: "is required"}`.
 * Problems of a definition file also carry the 1-based `line` and `column` (null when unknown).
 */
export interface ErrorDetail {
  path: string;
  message: string;
  line?: number | null;
  column?: number | null;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  /** Extra response headers, e.g. `Retry-After` on 429. */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: { details?: ErrorDetail[]; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code];
  }
}
