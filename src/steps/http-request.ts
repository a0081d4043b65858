import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { blockedLiteralHost, guardedLookup } from './address-guard.js';

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer | null;
  signal: AbortSignal;
  allowPrivate: boolean;
  maxResponseBytes: number;
  maxRedirects: number;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
}

export class ResponseTooLargeError extends Error {}

/**
 * Headers a redirect to another origin (scheme, host or port) keeps; all others —
 * `Authorization`, `Cookie`, `Proxy-Authorization`, API keys in custom headers — are dropped.
 */
const CROSS_ORIGIN_SAFE_HEADERS: ReadonlySet<string> = new Set(['accept', 'accept-encoding', 'accept-language', 'content-language', 'content-type', 'user-agent']);

/** A URL as it may appear in a message: without the user name and password it may carry. */
export function redactUrl(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

/**
 * Sends one request with node:http(s), following redirects (each hop checked by the
 * address guard), and reads at most `maxResponseBytes` of the answer.
 */
export async function sendHttpRequest(request: HttpRequest): Promise<HttpResponse> {
  let { method, url, body } = request;
  const headers = { ...request.headers };
  for (let hop = 0; ; hop++) {
    const response = await sendOnce({ ...request, method, url, body, headers });
    const location = response.headers.location;
    if (![301, 302, 303, 307, 308].includes(response.status) || !location || hop >= request.maxRedirects) return response;
    const next = new URL(location, url);
    // Like browsers and curl: credentials and the caller's own headers go to the origin they were meant for only.
    if (next.origin !== url.origin) {
      for (const name of Object.keys(headers)) if (!CROSS_ORIGIN_SAFE_HEADERS.has(name.toLowerCase())) delete headers[name];
    }
    url = next;
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      method = 'GET';
      body = null;
      delete headers['content-type'];
    }
  }
}

function sendOnce(request: HttpRequest): Promise<HttpResponse> {
  const { url } = request;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new Error(`only http and https URLs are allowed, not ${url.protocol}`));
  const blocked = request.allowPrivate ? null : blockedLiteralHost(url);
  if (blocked) return Promise.reject(blocked);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: request.method,
      headers: { ...request.headers, ...(request.body ? { 'content-length': String(request.body.length) } : {}) },
      signal: request.signal,
      ...(request.allowPrivate ? {} : { lookup: guardedLookup as never }),
    });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > request.maxResponseBytes) {
          res.destroy();
          req.destroy();
          reject(new ResponseTooLargeError(`the response is larger than ${request.maxResponseBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(res.headers)) {
          if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
        }
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers, body: Buffer.concat(chunks), url: redactUrl(url) });
      });
    });
    req.end(request.body ?? undefined);
  });
}
