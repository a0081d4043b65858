import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { BlockedAddressError, hostOf, isPrivateAddress } from './address-guard.js';
import { readChatStream } from './llm-stream.js';

/** A Retry-After longer than this is not waited out inside the step; the step fails (its `retry` may apply). */
const MAX_RETRY_AFTER_MS = 60_000;

export interface ChatCall {
  url: string;
  headers: Record<string, string>;
  request: Record<string, unknown>;
  stream: boolean;
  signal: AbortSignal;
  now: () => number;
  onText: (text: string) => void;
  /** Tries for 429 and 5xx answers (1: none; a model list moves on instead). */
  maxTries: number;
  backoffMs: number;
  /** One try's time limit; past it the try counts as transient (the next model is tried). */
  timeoutMs: number;
  /** The HTTP client: global fetch for the configured provider, guardedFetch for a step's own baseUrl. */
  fetch?: (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<Response>;
}

/** What one provider call came to: an answer, a failure worth another model or try, or a final failure. */
export type ChatResult =
  | { kind: 'answered'; text: string; model: string | null; usage: unknown }
  | { kind: 'transient'; message: string }
  | { kind: 'fatal'; message: string };

/**
 * One chat completion against an OpenAI-compatible endpoint, with the tries for 429 and 5xx
 * answers that `maxTries` allows (waiting what Retry-After asks, or an exponential backoff).
 * With `stream`, the answer is read as the provider's SSE stream and its text handed to
 * `onText` as it arrives.
 */
export async function callChatCompletions(call: ChatCall): Promise<ChatResult> {
  for (let tryNumber = 1; ; tryNumber++) {
    const timeout = AbortSignal.timeout(call.timeoutMs);
    const signal = AbortSignal.any([call.signal, timeout]);
    let response: Response;
    try {
      response = await (call.fetch ?? fetch)(call.url, { method: 'POST', headers: call.headers, body: JSON.stringify(call.request), signal });
      if (response.ok && call.stream && (response.headers.get('content-type') ?? '').includes('text/event-stream')) {
        const streamed = await readChatStream(response, call.onText);
        return { kind: 'answered', ...streamed };
      }
    } catch (error) {
      if (call.signal.aborted) throw error;
      const why = timeout.aborted ? `no answer within ${call.timeoutMs / 1000} s` : (error as Error).message;
      return { kind: 'transient', message: `LLM provider at ${redact(call.url)} unreachable: ${why}` };
    }
    const text = await response.text();
    if (response.ok) {
      try {
        const body = JSON.parse(text) as { model?: string; usage?: unknown; choices?: { message?: { content?: string | null } }[] };
        return { kind: 'answered', text: body.choices?.[0]?.message?.content ?? '', model: body.model ?? null, usage: body.usage ?? null };
      } catch {
        return { kind: 'fatal', message: `LLM provider answered something other than JSON: ${text.slice(0, 200)}` };
      }
    }
    const message = `LLM provider answered ${response.status}: ${text.slice(0, 300)}`;
    if (response.status !== 429 && response.status < 500) return { kind: 'fatal', message };
    const waitMs = retryAfterMs(response.headers.get('retry-after'), call.now()) ?? call.backoffMs * 2 ** (tryNumber - 1);
    if (tryNumber >= call.maxTries || waitMs > MAX_RETRY_AFTER_MS) return { kind: 'transient', message };
    await sleep(waitMs, call.signal);
  }
}

/**
 * The http step's address guard for a step's own `baseUrl` (SPEC §13): http(s) only, and
 * every address its host resolves to must be public unless SLIPWAY_HTTP_ALLOW_PRIVATE.
 * Checked before each call for a clear error; the call itself then goes through guardedFetch,
 * which checks the address it connects to (no DNS-rebinding window).
 */
export async function checkProviderUrl(raw: string, allowPrivate: boolean): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `baseUrl "${raw.slice(0, 100)}" is not an absolute URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `baseUrl must be http or https, not ${url.protocol}`;
  if (allowPrivate) return null;
  const host = hostOf(url);
  try {
    const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
    const blocked = addresses.find(isPrivateAddress);
    return blocked ? new BlockedAddressError(host, blocked).message : null;
  } catch (error) {
    return `baseUrl host ${host} does not resolve: ${(error as Error).message}`;
  }
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.round(Number(header) * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The URL without credentials or query, for messages. */
function redact(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
