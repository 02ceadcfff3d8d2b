// How JSON request bodies are read. application/json everywhere and
// application/merge-patch+json (RFC 7396, what our PATCH implements) for
// PATCH. Before parsing, the nesting is bounded (a body 100,000 levels deep
// is a 400, not a stack overflow later); after it, keys that reach an
// object's prototype, the NUL character and lone surrogates (PostgreSQL
// refuses them in text and jsonb) and numbers beyond 1e308 (Infinity) are
// refused, each with its reason.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GwError } from '../errors.ts';

/** Levels of objects and arrays a request body may have; free-form fields have tighter bounds in their schemas. */
export const MAX_BODY_DEPTH = 32;
export const MERGE_PATCH = 'application/merge-patch+json';
const NUL = '\u0000';
/** Half of a UTF-16 surrogate pair on its own: not a character; PostgreSQL's jsonb refuses it. */
const LONE_SURROGATE = /\p{Cs}/u;

export function installJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', MERGE_PATCH], { parseAs: 'string' }, (req, text, done) => {
    try {
      done(null, parseJsonBody(req, text as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  // The OpenAPI document says which media types a PATCH takes.
  app.addHook('onRoute', (route) => {
    if ([route.method].flat().includes('PATCH') && route.schema?.body) route.schema = { ...route.schema, consumes: [MERGE_PATCH, 'application/json'] };
  });
  // A NUL or a lone surrogate in a query value or path segment would reach the stores (PostgreSQL refuses both).
  app.addHook('preValidation', async (req) => {
    for (const values of [req.query, req.params]) {
      for (const [name, value] of Object.entries((values ?? {}) as Record<string, unknown>)) {
        if ([value].flat().some((v) => typeof v === 'string' && v.includes(NUL))) {
          throw new GwError('GW_ERR_VALIDATION', `${name}: must not contain the NUL character (%00)`, name);
        }
        if ([value].flat().some((v) => typeof v === 'string' && LONE_SURROGATE.test(v))) {
          throw new GwError('GW_ERR_VALIDATION', `${name}: must be valid Unicode (it has half of a surrogate pair)`, name);
        }
      }
    }
  });
}

export function parseJsonBody(req: FastifyRequest, raw: string): unknown {
  if (req.headers['content-type']?.toLowerCase().startsWith(MERGE_PATCH) && req.method !== 'PATCH') {
    throw new GwError('GW_ERR_UNSUPPORTED_MEDIA_TYPE', `${MERGE_PATCH} is for PATCH; send application/json`, 'content-type');
  }
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw; // a byte order mark (RFC 8259 §8.1: may be ignored)
  if (text.trim() === '') throw new GwError('GW_ERR_VALIDATION', 'the JSON body is empty', 'body');
  const deep = overNested(text, MAX_BODY_DEPTH);
  if (deep !== undefined) {
    throw new GwError('GW_ERR_VALIDATION', `${deep}: is nested deeper than ${MAX_BODY_DEPTH} levels (the most a request body may have)`, deep);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new GwError('GW_ERR_VALIDATION', `the body is not valid JSON (${whereInvalid(err as Error)})`, 'body');
  }
  refuseUnsafe(value);
  return value;
}

/** Where JSON.parse stopped, without quoting the body (it may hold a password). */
function whereInvalid(err: Error): string {
  const at = /position (\d+)/.exec(err.message)?.[1];
  if (at !== undefined) return `at character ${at}`;
  return /end of (JSON )?input/i.test(err.message) ? 'it ends too early' : 'a character is out of place';
}

/**
 * The top-level field under which `text` nests deeper than `max` levels
 * ('body' when the body itself does), or undefined. One pass over the text,
 * skipping strings, so neither JSON.parse nor anything after it sees the depth.
 */
export function overNested(text: string, max: number): string | undefined {
  let depth = 0;
  let rootIsArray = false;
  let key: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      if (depth === 1 && !rootIsArray && nextIsColon(text, i + 1)) key = stringAt(text.slice(start, i + 1));
    } else if (c === 0x7b || c === 0x5b) {
      if (depth === 0) rootIsArray = c === 0x5b;
      if (++depth > max) return rootIsArray ? 'body' : (key ?? 'body');
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return undefined;
}

function nextIsColon(text: string, from: number): boolean {
  let i = from;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return text[i] === ':';
}

function stringAt(token: string): string | undefined {
  try {
    return JSON.parse(token) as string;
  } catch {
    return undefined; // not a valid string: JSON.parse of the whole body will say where
  }
}

/**
 * Refuses __proto__ anywhere, constructor.prototype, NUL and lone surrogates in
 * any key or string, and numbers JSON.parse made Infinity (1e999). Walked with
 * a stack, not recursion.
 */
function refuseUnsafe(body: unknown): void {
  const stack: Array<[unknown, string]> = [[body, '']];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [value, path] = next;
    if (typeof value === 'string') {
      if (value.includes(NUL)) throw new GwError('GW_ERR_VALIDATION', `${path || 'body'}: must not contain the NUL character (\\u0000)`, path || 'body');
      if (LONE_SURROGATE.test(value)) throw new GwError('GW_ERR_VALIDATION', `${path || 'body'}: must be valid Unicode (it has half of a surrogate pair)`, path || 'body');
      continue;
    }
    if (typeof value === 'number' && !Number.isFinite(value)) throw new GwError('GW_ERR_VALIDATION', `${path || 'body'}: must be a finite number`, path || 'body');
    if (value === null || typeof value !== 'object') continue;
    for (const [key, item] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      const where = path ? ` (in ${path})` : '';
      if (key === '__proto__') throw new GwError('GW_ERR_VALIDATION', `the key __proto__ is not allowed${where}`, 'body');
      if (key === 'constructor' && item !== null && typeof item === 'object' && Object.hasOwn(item, 'prototype')) {
        throw new GwError('GW_ERR_VALIDATION', `the key constructor.prototype is not allowed${where}`, 'body');
      }
      if (key.includes(NUL) || LONE_SURROGATE.test(key)) throw new GwError('GW_ERR_VALIDATION', 'a key must be valid Unicode without the NUL character', path || 'body');
      stack.push([item, at]);
    }
  }
}
