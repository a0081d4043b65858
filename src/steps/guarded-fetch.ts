import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { blockedLiteralHost, guardedLookup } from './address-guard.js';

/** Statuses whose Response may not carry a body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A small `fetch` for a POST to a step-chosen provider: node:http(s) with the address guard's
 * lookup, so the address checked is the address connected to (no DNS-rebinding window), and the
 * answer as a web `Response` whose body streams (the LLM step reads SSE from it). No redirects.
 */
export function guardedFetch(
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
  lookup: typeof guardedLookup = guardedLookup,
): Promise<Response> {
  const target = new URL(url);
  const blocked = lookup === guardedLookup ? blockedLiteralHost(target) : null;
  if (blocked) return Promise.reject(blocked);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const body = Buffer.from(init.body);
  return new Promise((resolve, reject) => {
    const req = send(target, {
      method: init.method,
      headers: { ...init.headers, 'content-length': String(body.length) },
      signal: init.signal,
      lookup: lookup as never,
    }, (res) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (Array.isArray(value)) for (const item of value) headers.append(name, item);
        else if (value !== undefined) headers.set(name, value);
      }
      const status = res.statusCode ?? 500;
      if (NULL_BODY_STATUSES.has(status)) {
        res.resume();
        resolve(new Response(null, { status, headers }));
        return;
      }
      resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status, headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
