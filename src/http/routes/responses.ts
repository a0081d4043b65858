import { ErrorBody } from '../../api/schemas.js';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (error: invalid_request, invalid_inputs, invalid_definition with details)',
  401: 'Missing or invalid bearer token (error: unauthorized)',
  403: 'X-Workspace-Id / X-Organization-Id does not match the token (error: forbidden)',
  404: 'Not found in this workspace (error: not_found)',
  409: 'Conflict (error: workflow_not_published, idempotency_conflict, not_cancelable, schedule_managed_by_definition)',
  413: 'Body over 1 MiB (error: payload_too_large)',
  415: 'Body is not application/json (or, for definitions, YAML) (error: unsupported_media_type)',
  429: 'Run limit reached (error: daily_run_limit_exceeded, concurrent_run_limit_exceeded); see Retry-After',
  500: 'Unexpected error (error: internal_error)',
};

/** Error responses of a route for the OpenAPI document, all with the one error body. */
export function errorResponses(...statuses: number[]) {
  const responses: Record<number, typeof ErrorBody> = {};
  for (const status of [...statuses, 401, 403, 500]) {
    responses[status] = { ...ErrorBody, description: DESCRIPTIONS[status] ?? 'Error' };
  }
  return responses;
}
