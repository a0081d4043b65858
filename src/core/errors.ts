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
  request_timeout: 408,
  workflow_not_published: 409,
  idempotency_conflict: 409,
  not_cancelable: 409,
  not_abortable: 409,
  run_not_finished: 409,
  replay_incompatible: 409,
  too_many_runs: 400,
  delivery_pending: 409,
  secrets_not_configured: 409,
  schedule_managed_by_definition: 409,
  waitpoint_not_open: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  request_header_too_large: 431,
  daily_run_limit_exceeded: 429,
  concurrent_run_limit_exceeded: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * What each code means, for the OpenAPI document: the per-route error responses are
 * generated from this catalogue (src/http/route-schema.ts), so a new code needs its line here.
 */
export const ERROR_DESCRIPTIONS: Record<ErrorCode, string> = {
  invalid_request: 'The request is malformed: a path, query, header or body value is invalid (`details` says which)',
  invalid_inputs: "The run's inputs do not match the workflow's input schema (`details` names each input)",
  invalid_definition: 'The workflow definition is invalid (`details` names each place in the file, with line and column)',
  unauthorized: 'No, a malformed, unknown, revoked or expired bearer token',
  forbidden: 'X-Workspace-Id / X-Organization-Id does not match the token, or the token may not do this',
  not_found: 'Nothing of that id in this workspace',
  method_not_allowed: 'A known path with another method; the Allow header lists the methods',
  request_timeout: 'The request was not received in time',
  workflow_not_published: 'The workflow has no published version',
  idempotency_conflict: 'The Idempotency-Key was already used with another workflow',
  not_cancelable: 'The run has left QUEUED',
  not_abortable: 'The run has already ended (COMPLETED, FAILED or CANCELED)',
  run_not_finished: 'The run to replay has not ended yet',
  replay_incompatible: 'The replay cannot reuse the source run\'s steps: a step to reuse is missing from the target version, or `@failed` found no failed step',
  too_many_runs: 'The bulk action matches more than 10,000 runs; narrow the filter',
  delivery_pending: 'The webhook delivery is still pending; it is retried on its own',
  secrets_not_configured: 'Secrets need SLIPWAY_SECRET_KEY on this server (PostgreSQL has no key file)',
  schedule_managed_by_definition: 'The schedule is declared in its workflow file: change the file and publish it (pause and resume are allowed)',
  waitpoint_not_open: 'The waitpoint is no longer OPEN (completed, timed out or canceled)',
  payload_too_large: 'The body is over 1 MiB',
  unsupported_media_type: 'A body that is not application/json',
  request_header_too_large: 'The request line and headers are over 16 KiB',
  daily_run_limit_exceeded: "The workspace's runs for today (UTC) are used up; Retry-After says until when",
  concurrent_run_limit_exceeded: 'The workspace has as many runs queued or running as it may; Retry-After suggests when to try again',
  internal_error: 'An unexpected error; the request id finds it in the server log',
  service_unavailable: 'The database is busy, full or unreachable, or the service is starting; Retry-After says when to try again',
};

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
