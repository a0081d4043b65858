import type { FastifyInstance } from 'fastify';
import { AppError } from '../core/errors.js';

/** Deepest nesting of arrays and objects a JSON body may have (issue 19 item 8: 5,000 levels answered 500). */
export const MAX_JSON_DEPTH = 100;

/**
 * The request body parsers. JSON is the only body type; an empty body is no body whatever
 * its Content-Type (SPEC §3: Slate's clients send bodyless POSTs such as `…/cancel` with
 * `text/plain` or form types), and a non-empty body of another type answers 415. A JSON
 * body nested deeper than {@link MAX_JSON_DEPTH} or holding a `__proto__` key answers 400
 * with a message saying so, before it reaches anything that recurses.
 *
 * Other body types (e.g. YAML) can be added with `app.addContentTypeParser(type, …)`:
 * a specific parser wins over the catch-all registered here.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text === '') return done(null, undefined);
    if (jsonDepthOver(text, MAX_JSON_DEPTH)) {
      return done(new AppError('invalid_request', `The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`), undefined);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return done(new AppError('invalid_request', 'The request body is not valid JSON.'), undefined);
    }
    const problem = findUnacceptedKey(parsed);
    if (problem?.kind === 'prototype_key') {
      return done(new AppError('invalid_request', `The request body has the key ${problem.path}, which is not accepted (it could change object prototypes).`), undefined);
    }
    if (problem?.kind === 'nul_character') {
      return done(new AppError('invalid_request', `The request body has a NUL character (\\u0000) at ${problem.path}; text may not contain it.`), undefined);
    }
    done(null, parsed);
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    if ((body as Buffer).length === 0) return done(null, undefined);
    done(new AppError('unsupported_media_type', 'Send the request body as application/json.'), undefined);
  });
}

/**
 * True when the JSON text nests arrays/objects deeper than `max` (strings are skipped,
 * escapes included). Runs in one pass without recursion, so any input is safe to scan.
 */
export function jsonDepthOver(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
    }
  }
  return false;
}

export type UnacceptedKey = { kind: 'prototype_key' | 'nul_character'; path: string };

/**
 * Where a parsed body holds a `__proto__` key or a `constructor` object with `prototype`
 * (the keys Fastify's secure parser refuses), or a key or string with U+0000 (PostgreSQL's
 * text cannot hold it: it answered 500), as a dotted path; null when it has none.
 * Iterative: the depth is already bounded, but nothing here should recurse on client data.
 */
export function findUnacceptedKey(value: unknown): UnacceptedKey | null {
  if (typeof value === 'string') return value.includes('\u0000') ? { kind: 'nul_character', path: 'body' } : null;
  const stack: { value: unknown; path: string }[] = [{ value, path: 'body' }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    for (const key of Object.keys(current)) {
      const child = (current as Record<string, unknown>)[key];
      const at = Array.isArray(current) ? `${path}[${key}]` : `${path}.${key}`;
      if (key === '__proto__') return { kind: 'prototype_key', path: at };
      if (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) {
        return { kind: 'prototype_key', path: `${at}.prototype` };
      }
      if (key.includes('\u0000') || (typeof child === 'string' && child.includes('\u0000'))) return { kind: 'nul_character', path: at.replaceAll('\u0000', '\\u0000') };
      if (child !== null && typeof child === 'object') stack.push({ value: child, path: at });
    }
  }
  return null;
}
