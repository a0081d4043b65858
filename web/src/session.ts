import { createSlipwayClient, SlipwayApiError, type SlipwayClient } from '../../src/client/slipway-client.js';

/**
 * The signed-in token lives in sessionStorage only: it is gone when the tab closes,
 * and sign-out clears it. Every request goes through the project's client SDK.
 */

const KEY = 'slipway.token';

export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeToken(token: string) {
  sessionStorage.setItem(KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(KEY);
}

/** A client for this origin's API with the given token. */
export function clientFor(token: string, fetchImpl: typeof fetch = fetch.bind(window)): SlipwayClient {
  return createSlipwayClient({ baseUrl: location.origin, token, fetch: fetchImpl });
}

/** Plain words for any error the dashboard shows. */
export function describeError(error: unknown): string {
  if (error instanceof SlipwayApiError) {
    if (error.status === 401) return `Your token was refused: ${error.body.message}`;
    if (error.status === 403) return `Not allowed: ${error.body.message}`;
    if (error.status === 404) return `Not found: ${error.body.message}`;
    if (error.status === 429) return `Limit reached: ${error.body.message}`;
    if (error.status >= 500) return `The server had a problem (${error.body.error}). Try again; request id ${error.body.request_id || 'unknown'}.`;
    return error.body.message;
  }
  if (error instanceof TypeError) return 'Could not reach the Slipway server. Check that it is running, then try again.';
  return error instanceof Error ? error.message : String(error);
}

export function isUnauthorized(error: unknown): boolean {
  return error instanceof SlipwayApiError && error.status === 401;
}

export { SlipwayApiError };
export type { SlipwayClient };
