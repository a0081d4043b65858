import type { ErrorBody } from '../api/schemas.js';

/** An error answer of the API, with its documented body. */
export class SlipwayApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody;

  constructor(status: number, body: ErrorBody) {
    super(`${status} ${body.error}: ${body.message}`);
    this.name = 'SlipwayApiError';
    this.status = status;
    this.body = body;
  }
}

export function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as ErrorBody).error === 'string' && typeof (value as ErrorBody).message === 'string';
}

/** The error of a non-2xx answer whose body was not read yet (the documented body, or a generic one). */
export async function errorOf(response: Response): Promise<SlipwayApiError> {
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? (JSON.parse(text) as unknown) : null;
  } catch {
    // not JSON (e.g. a proxy's error page)
  }
  return new SlipwayApiError(response.status, isErrorBody(data) ? data : { error: 'http_error', message: `HTTP ${response.status} ${response.statusText}`.trim(), request_id: '' });
}
