import { Type } from '@sinclair/typebox';
import { systemClock, timeoutSignal } from '../core/clock.js';
import { parseDuration } from '../core/duration.js';
import { redactUrl, ResponseTooLargeError, sendHttpRequest } from './http-request.js';
import { defineStepType, type StepOutcome } from './step-type.js';

export interface HttpStepOptions {
  /** `SLIPWAY_HTTP_ALLOW_PRIVATE`: allow private, loopback and link-local addresses. */
  allowPrivate: boolean;
  maxResponseBytes: number;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

const HttpInput = Type.Object(
  {
    url: Type.String({ minLength: 1 }),
    method: Type.Optional(Type.String({ pattern: '^[A-Za-z]+$' })),
    headers: Type.Optional(Type.Record(Type.String(), Scalar)),
    query: Type.Optional(Type.Record(Type.String(), Type.Union([Scalar, Type.Null(), Type.Array(Scalar)]))),
    /** A string is sent as text; anything else as JSON. */
    body: Type.Optional(Type.Unknown()),
    timeout: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    /** false: a non-2xx answer is an output, not a failure. */
    failOnError: Type.Optional(Type.Boolean()),
    followRedirects: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/**
 * `http`: one HTTP request. Output `{status, headers, body}`, the body parsed when the
 * answer is JSON. A non-2xx answer fails the step unless `failOnError: false`; 4xx
 * answers (except 408 and 429) are not retried, since repeating them changes nothing.
 */
export function createHttpStep(options: HttpStepOptions) {
  return defineStepType({
    type: 'http',
    description: 'Sends an HTTP request; output {status, headers, body}.',
    input: HttpInput,
    idempotent: false,
    // `{{ secrets.NAME }}` may appear anywhere in its `with` (SPEC §13).
    secretFields: 'all',
    async run(input, ctx): Promise<StepOutcome> {
      let url: URL;
      try {
        url = new URL(input.url);
      } catch {
        return { kind: 'failed', message: `with.url "${input.url.replace(/\/\/[^/@]*@/, '//***@')}" is not an absolute URL`, retryable: false };
      }
      for (const [key, value] of Object.entries(input.query ?? {})) {
        if (value === null) continue;
        for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
      }
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(input.headers ?? {})) headers[key.toLowerCase()] = String(value);
      // The run's trace continues at the peer (SPEC §17), unless the step sets its own.
      if (ctx.traceparent !== undefined) headers.traceparent ??= ctx.traceparent;
      let body: Buffer | null = null;
      if (input.body !== undefined && input.body !== null) {
        const isText = typeof input.body === 'string';
        body = Buffer.from(isText ? (input.body as string) : JSON.stringify(input.body));
        headers['content-type'] ??= isText ? 'text/plain; charset=utf-8' : 'application/json';
      }
      const timeoutMs = input.timeout === undefined ? DEFAULT_HTTP_TIMEOUT_MS : parseDuration(input.timeout);
      if (timeoutMs === null) return { kind: 'failed', message: `with.timeout "${input.timeout}" is not a duration`, retryable: false };
      const method = (input.method ?? 'GET').toUpperCase();

      ctx.log('info', `${method} ${redactUrl(url)}`);
      let response;
      // Timer-held (see timeoutSignal): an inline AbortSignal.timeout could be collected and never fire.
      const timeout = timeoutSignal(systemClock, timeoutMs);
      try {
        response = await sendHttpRequest({
          method,
          url,
          headers,
          body,
          signal: AbortSignal.any([ctx.signal, timeout.signal]),
          allowPrivate: options.allowPrivate,
          maxResponseBytes: options.maxResponseBytes,
          maxRedirects: input.followRedirects === false ? 0 : 5,
        });
      } catch (error) {
        const err = error as Error;
        const blocked = err.name === 'BlockedAddressError';
        const reason = err.name === 'TimeoutError' || err.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : err.message;
        ctx.log('error', `${method} ${redactUrl(url)}: ${reason.replaceAll(url.href, redactUrl(url))}`);
        return { kind: 'failed', message: `${method} ${redactUrl(url)}: ${reason.replaceAll(url.href, redactUrl(url))}`, retryable: !blocked && !(error instanceof ResponseTooLargeError) };
      } finally {
        timeout.cancel();
      }
      ctx.log(response.status >= 400 ? 'warn' : 'info', `${response.status} ${response.statusText}`.trim(), { bytes: response.body.length });
      const text = response.body.toString('utf8');
      const isJson = /[/+]json\b/i.test(response.headers['content-type'] ?? '');
      let parsed: unknown = text;
      if (isJson && text.length > 0) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      const output = { status: response.status, headers: response.headers, body: parsed };
      const ok = response.status >= 200 && response.status < 300;
      if (!ok && input.failOnError !== false) {
        const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
        return { kind: 'failed', message: `${method} ${redactUrl(url)} answered ${response.status} ${response.statusText}: ${text.slice(0, 200)}`.trim(), retryable };
      }
      return { kind: 'completed', output };
    },
  });
}
