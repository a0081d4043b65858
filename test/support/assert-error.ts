import assert from 'node:assert/strict';
import type { TestResponse } from './test-server.js';

/** Asserts the documented error answer (SPEC §1): status, code, a message, and request_id = X-Request-Id. */
export function assertError(response: Pick<TestResponse, 'status' | 'body' | 'headers'>, status: number, code: string) {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.equal(response.body.error, code, JSON.stringify(response.body));
  assert.equal(typeof response.body.message, 'string');
  assert.ok(response.body.message.length > 0);
  assert.equal(response.body.request_id, response.headers.get('x-request-id'));
}
