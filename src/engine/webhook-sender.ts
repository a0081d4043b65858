import { sendHttpRequest } from '../steps/http-request.js';
import type { SendResult } from './webhook-dispatcher.js';

/** Each attempt's time limit (SPEC §10). */
const ATTEMPT_TIMEOUT_MS = 10_000;
/** The subscriber's answer is only looked at for its status; a bigger one counts as a failed attempt. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * POSTs one webhook attempt: the http step's address guard applies (unless
 * `SLIPWAY_HTTP_ALLOW_PRIVATE`), redirects are not followed (a 3xx is a failed attempt),
 * and an attempt is cut off after 10 s. Error messages never carry the URL's query or
 * credentials.
 */
export function createWebhookSender(options: { allowPrivate: boolean; timeoutMs?: number }) {
  return async function send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    try {
      const response = await sendHttpRequest({
        method: 'POST',
        url: new URL(url),
        headers,
        body: Buffer.from(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? ATTEMPT_TIMEOUT_MS),
        allowPrivate: options.allowPrivate,
        maxResponseBytes: MAX_ANSWER_BYTES,
        maxRedirects: 0,
      });
      return { kind: 'answered', status: response.status };
    } catch (error) {
      const e = error as Error;
      const message = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${(options.timeoutMs ?? ATTEMPT_TIMEOUT_MS) / 1000} s` : e.message;
      return { kind: 'error', message: message.slice(0, 500) };
    }
  };
}
