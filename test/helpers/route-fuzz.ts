// The machinery of the generated bad-input test (test/route-fuzz.test.ts):
// every route the app registered, a valid request per route, mutations of it
// from a seeded generator, sent over real HTTP, and the rule every answer
// keeps (no 5xx; a 4xx is {code, message, field?} from the catalogue).
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, type ErrorCode } from '../../device-registry/index.ts';

export interface Route {
  method: string;
  /** Fastify's form: /api/channels/:id */
  path: string;
}

/**
 * Every (method, path) the app serves, read from Fastify's own route tree
 * (printRoutes), so hidden routes (media, metrics) and routes added later are
 * in without a list to keep.
 */
export function registeredRoutes(app: FastifyInstance): Route[] {
  const stack: string[] = [];
  const routes: Route[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('');
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) routes.push({ method, path });
  }
  return routes;
}

export const paramNames = (path: string): string[] => [...path.matchAll(/:([A-Za-z0-9_]+)|\*/g)].map((m) => m[1] ?? '*');
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

type Schema = Record<string, unknown>;

/** A value that satisfies simple schemas (for routes nobody wrote an example for). */
export function exampleOf(schema: Schema | undefined): unknown {
  if (!schema) return undefined;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const variants = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (variants?.length) return exampleOf(variants[0]);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const out: Record<string, unknown> = {};
      for (const key of (schema.required ?? []) as string[]) out[key] = exampleOf(props[key]);
      return out;
    }
    case 'array':
      return Array.from({ length: Number(schema.minItems ?? 0) }, () => exampleOf(schema.items as Schema));
    case 'string':
      if (schema.format === 'date-time') return new Date().toISOString();
      if (schema.format === 'uri') return 'http://127.0.0.1:9/x';
      return 'x'.repeat(Math.max(1, Number(schema.minLength ?? 1)));
    case 'integer':
    case 'number':
      return Number(schema.minimum ?? schema.exclusiveMinimum ?? 0) + (schema.exclusiveMinimum !== undefined ? 1 : 0) || 1;
    case 'boolean':
      return true;
    default:
      return null;
  }
}

/** One request as sent: the path and query already percent-encoded (mutations put raw escapes there on purpose). */
export interface Probe {
  label: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** A valid request for a route: path params and query values already encoded. */
export interface Example {
  params: Record<string, string>;
  query: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}

export function urlOf(path: string, params: Record<string, string>, query: Array<[string, string]> | string): string {
  const filled = path.replace(/:([A-Za-z0-9_]+)|\*/g, (_m, name: string | undefined) => params[name ?? '*'] ?? 'x');
  const qs = typeof query === 'string' ? query : query.map(([k, v]) => `${k}=${v}`).join('&');
  return qs ? `${filled}?${qs}` : filled;
}

const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const deepArray = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

/** Values put in place of a field, as JSON text (a value 5,000 levels deep cannot go through JSON.stringify). */
export const WEIRD_VALUES: ReadonlyArray<[string, string]> = [
  ['null', 'null'], ['true', 'true'], ['zero', '0'], ['negative', '-1'], ['fraction', '1.5'], ['-0', '-0'],
  ['1e308', '1e308'], ['-1e308', '-1e308'], ['1e999 (Infinity)', '1e999'], ['2^53+1', '9007199254740993'], ['1e20', '1e20'],
  ['30 digits', '123456789012345678901234567890'], ['"NaN"', '"NaN"'], ['"Infinity"', '"Infinity"'], ['empty string', '""'],
  ['number as text', '"42"'], ['boolean as text', '"true"'], ['10k characters', JSON.stringify('x'.repeat(10_000))],
  ['unicode', JSON.stringify('东门广场🚒\u202e\u200b\u0301')], ['lone surrogate', '"\\ud800"'], ['NUL', '"a\\u0000b"'],
  ['control characters', '"a\\u0007\\n\\tb"'], ['SQL', JSON.stringify("x'; DROP TABLE channels; --")], ['path', '"../../etc/passwd"'],
  ['empty array', '[]'], ['array', '[1,"a",null]'], ['empty object', '{}'], ['object', '{"a":1}'],
  ['20 levels deep', deepObject(20)], ['100 levels deep', deepArray(100)],
  ['__proto__ key', '{"__proto__":{"polluted":true}}'], ['constructor.prototype', '{"constructor":{"prototype":{"polluted":true}}}'],
  ['escaped __proto__', '{"\\u005f_proto__":{"polluted":true}}'], ['date text', '"3000-01-01T00:00:00Z"'], ['year 3000 ms', String(Date.UTC(3000, 0, 1))],
];

export const BAD_SEGMENTS: readonly string[] = [
  '..%2f..%2fetc%2fpasswd', '%2e%2e', '..', '%00', 'a%00b', 'x'.repeat(10_000), '%ff%fe', '%E4%B8%9C%E9%97%A8', '%F0%9F%98%80', '%20',
  '-1', '0', '1e400', 'NaN', '99999999999999999999999', '__proto__', 'constructor', '%25', "'%20OR%201=1", '%3Cscript%3E', '%5C', '%2F',
];

export const BAD_QUERY_VALUES: readonly string[] = [
  '', 'abc', '-1', '0', '1e400', '-1e400', 'NaN', 'Infinity', '9007199254740993', '99999999999999999999999', '1.5', 'true', 'null', '%5B%5D', '%7B%7D', '%00',
  'x'.repeat(10_000), '%E4%B8%9C%E9%97%A8', '%F0%9F%98%80', '%ff', '2016-12-31T23:59:60Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z',
  '3000-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '2024-02-30T00:00:00Z', '2024-01-01', "'%20OR%201=1%20--", '%2C%2C%2C', 'a%2Cb%2Cc',
];

export const BAD_CONTENT_TYPES: readonly string[] = [
  'text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json-patch+json',
  'application/merge-patch+json', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/jsonx', 'text/csv', 'application/*', '',
];

const MARK_TEXT = 'fuzz-mark-7f3a9c';
const MARK = `"${MARK_TEXT}"`;
const JSON_TYPE = { 'content-type': 'application/json' };

function setAt(value: unknown, path: string[], to: unknown): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  if (to === undefined) delete at[path[path.length - 1]!];
  else at[path[path.length - 1]!] = to;
  return copy;
}

/** Paths of the example's fields: top-level and one level into objects (and the first element of an array of objects). */
function fieldPaths(body: unknown): string[][] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
  const out: string[][] = [];
  for (const [key, value] of Object.entries(body)) {
    out.push([key]);
    const inner = Array.isArray(value) ? (value[0] && typeof value[0] === 'object' ? value[0] : undefined) : value;
    if (inner && typeof inner === 'object') {
      for (const sub of Object.keys(inner)) out.push(Array.isArray(value) ? [key, '0', sub] : [key, sub]);
    }
  }
  return out;
}

export interface MutationInput {
  route: Route;
  example: Example;
  /** Query parameters the route declares (from its OpenAPI operation). */
  queryParams: string[];
  /** The route takes a JSON body (its schema declares one). */
  takesBody: boolean;
  rand: () => number;
}

/** The bad requests for one route, built from its valid one. */
export function mutations({ route, example, queryParams, takesBody, rand }: MutationInput): Probe[] {
  const { method, path } = route;
  const probes: Probe[] = [];
  const baseQuery = Object.entries(example.query);
  const baseHeaders = { ...(example.body !== undefined ? JSON_TYPE : {}), ...example.headers };
  const bodyText = example.body === undefined ? undefined : JSON.stringify(example.body);
  const add = (label: string, over: Partial<Probe> & { params?: Record<string, string>; query?: Array<[string, string]> | string }) =>
    probes.push({
      label, method,
      url: over.url ?? urlOf(path, { ...example.params, ...over.params }, over.query ?? baseQuery),
      headers: over.headers ?? baseHeaders,
      ...('body' in over ? (over.body === undefined ? {} : { body: over.body }) : bodyText !== undefined ? { body: bodyText } : {}),
    });

  for (const name of paramNames(path)) {
    for (const bad of BAD_SEGMENTS) add(`path ${name}=${bad.slice(0, 30)}`, { params: { [name]: bad } });
  }

  for (const name of queryParams) {
    for (const bad of BAD_QUERY_VALUES) add(`query ${name}=${bad.slice(0, 30)}`, { query: [...baseQuery.filter(([k]) => k !== name), [name, bad]] });
    add(`query ${name} twice`, { query: [...baseQuery, [name, '1'], [name, '2']] });
  }
  for (const raw of ['zz=1', '__proto__=1', 'constructor%5Bprototype%5D%5Bx%5D=1', '%ff=1', '&&&=', 'a%00=1', `${'k'.repeat(5000)}=1`]) {
    add(`query ${raw.slice(0, 30)}`, { query: [...baseQuery.map(([k, v]) => `${k}=${v}`), raw].join('&') });
  }

  if (takesBody) {
    const text = bodyText ?? '{}';
    for (const field of fieldPaths(example.body)) {
      const at = field.join('.');
      add(`body ${at} missing`, { body: JSON.stringify(setAt(example.body, field, undefined)) });
      const withMark = JSON.stringify(setAt(example.body, field, MARK_TEXT));
      for (const [label, value] of WEIRD_VALUES) add(`body ${at}: ${label}`, { body: withMark.replace(MARK, () => value) });
    }
    const fields = fieldPaths(example.body);
    const someField = fields.length ? fields[Math.floor(rand() * fields.length)]! : undefined;
    if (someField) {
      const withMark = JSON.stringify(setAt(example.body, someField, MARK_TEXT));
      add(`body ${someField.join('.')}: 5,000 levels deep`, { body: withMark.replace(MARK, () => deepObject(5000)) });
      add(`body ${someField.join('.')}: 300 KB string`, { body: withMark.replace(MARK, () => JSON.stringify('y'.repeat(300_000))) });
    }
    const inside = (extra: string) => (text.startsWith('{') && text !== '{}' ? `{${extra},${text.slice(1)}` : `{${extra}}`);
    const whole: Array<[string, string | Buffer]> = [
      ['empty', ''], ['blank', '  \n'], ['null', 'null'], ['array', '[]'], ['string', '"text"'], ['number', '123'], ['true', 'true'], ['empty object', '{}'],
      ['unknown field', inside('"zz_unknown":1')], ['__proto__', inside('"__proto__":{"admin":true}')], ['constructor.prototype', inside('"constructor":{"prototype":{"admin":true}}')],
      ['duplicate key', inside(`${text.slice(1, text.indexOf(',') > 0 ? text.indexOf(',') : text.length - 1)}`)], ['trailing garbage', `${text}}}`],
      ['single quotes', text.replace(/"/g, "'")], ['NaN literal', 'NaN'], ['BOM', `\uFEFF${text}`], ['invalid UTF-8', Buffer.concat([Buffer.from(text.slice(0, -1)), Buffer.from([0xff, 0xfe, 0x7d])])],
      ['100,000 levels deep (array)', deepArray(100_000)], ['100,000 levels deep (object)', `{"a":${deepArray(100_000)}}`],
    ];
    for (const cut of new Set([1, text.length - 1, ...Array.from({ length: 3 }, () => 1 + Math.floor(rand() * (text.length - 1)))])) {
      if (cut > 0 && cut < text.length) whole.push([`cut at ${cut}`, text.slice(0, cut)]);
    }
    for (const [label, body] of whole) add(`body ${label}`, { body });
    for (const type of BAD_CONTENT_TYPES) add(`content-type '${type}'`, { headers: type ? { ...baseHeaders, 'content-type': type } : withoutContentType(baseHeaders), body: text });
  } else if (method !== 'GET' && method !== 'HEAD') {
    add('unexpected JSON body', { headers: { ...baseHeaders, ...JSON_TYPE }, body: '{"a":1}' });
    add('unexpected text body', { headers: { ...baseHeaders, 'content-type': 'text/plain' }, body: 'hello' });
    add('unexpected deep body', { headers: { ...baseHeaders, ...JSON_TYPE }, body: deepArray(100_000) });
  }

  const headerValues: Record<string, readonly string[]> = {
    'if-match': ['', 'abc', '"0"', '-1', '1e400', 'W/"1"', '"99999999999999999999"', '*', '"1", "2"', 'x'.repeat(1000)],
    'idempotency-key': ['', 'x'.repeat(300), 'caf\u00e9', ' '],
    'last-event-id': ['abc', '-1', '1e400', '99999999999999999999', ''],
  };
  const headersFor = method === 'PATCH' || method === 'DELETE' ? ['if-match'] : path === '/api/incidents/candidates' ? ['idempotency-key'] : path === '/api/events' ? ['last-event-id'] : [];
  for (const name of headersFor) for (const v of headerValues[name]!) add(`header ${name}: ${v.slice(0, 30)}`, { headers: { ...baseHeaders, [name]: v } });
  return probes;
}

const withoutContentType = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'content-type'));

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The response was still streaming (event stream, FLV) when we hung up. */
  streamed: boolean;
  error?: string;
}

const STREAM_LOOK_MS = 20;
const ANSWER_TIMEOUT_MS = 30_000;

/**
 * Sends one probe. A 2xx without a Content-Length is a stream (event stream,
 * FLV): read briefly, then hang up, which is what ends it on the server too.
 */
export function send(port: number, probe: Probe, agent: Agent): Promise<Answer> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Answer) => {
      if (!done) {
        done = true;
        resolve(a);
      }
    };
    const body = probe.body === undefined ? undefined : Buffer.isBuffer(probe.body) ? probe.body : Buffer.from(probe.body);
    const headers = { ...probe.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
    const req = request({ host: '127.0.0.1', port, method: probe.method, path: probe.url, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const answer = (streamed: boolean): Answer => ({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString(), streamed });
      const stream = res.statusCode! < 300 && res.headers['content-length'] === undefined && probe.method !== 'HEAD';
      const cut = stream ? setTimeout(() => {
        res.destroy();
        finish(answer(true));
      }, STREAM_LOOK_MS) : undefined;
      res.on('data', (c: Buffer) => {
        if (size < 65_536) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => {
        clearTimeout(cut);
        finish(answer(false));
      });
      res.on('error', (err) => finish({ ...answer(false), error: err.message }));
    });
    req.setTimeout(ANSWER_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)));
    req.on('error', (err) => finish({ status: 0, headers: {}, body: '', streamed: false, error: err.message }));
    req.end(body);
  });
}

/** Codes whose answers must name the field at fault. */
const FIELD_CODES = new Set<ErrorCode>(['GW_ERR_VALIDATION', 'GW_ERR_BAD_ENCODING', 'GW_ERR_BODY_TOO_LARGE', 'GW_ERR_UNSUPPORTED_MEDIA_TYPE']);
/**
 * The only 5xx an answer may carry: the state of something outside the request
 * (a channel with no video, a device that refuses or does not answer, another
 * node), never a fault of the gateway (GW_ERR_INTERNAL).
 */
const DEPENDENCY_CODES = new Set<ErrorCode>(['GW_ERR_UNAVAILABLE', 'GW_ERR_DEVICE_REFUSED', 'GW_ERR_DEVICE_TIMEOUT', 'GW_ERR_OWNER_UNREACHABLE']);

/**
 * What is wrong with an answer, or undefined. No 500; a 4xx (or a 5xx naming
 * an unavailable dependency) is JSON {code, message} with a catalogue code
 * that matches the status, no stack, and the field when a field is at fault.
 */
export function breach(probe: Probe, a: Answer): string | undefined {
  if (a.error) return `no answer (${a.error})`;
  if (a.status < 400) return undefined;
  if (probe.method === 'HEAD') return a.status >= 500 && a.status !== 503 ? `${a.status}` : undefined;
  if (!String(a.headers['content-type']).startsWith('application/json')) return `${a.status} is not JSON (${a.headers['content-type']}): ${a.body.slice(0, 200)}`;
  let body: { code?: string; message?: unknown; field?: unknown };
  try {
    body = JSON.parse(a.body) as typeof body;
  } catch {
    return `${a.status} body is not JSON: ${a.body.slice(0, 200)}`;
  }
  const code = body.code as ErrorCode;
  if (!(code in ErrorCodes)) return `${a.status} code ${String(body.code)} is not in the catalogue: ${a.body.slice(0, 200)}`;
  if (a.status >= 500 && !DEPENDENCY_CODES.has(code)) return `${a.status} ${a.body.slice(0, 300)}`;
  if (ErrorCodes[code] !== a.status) return `${a.status} with ${code}, which the catalogue gives ${ErrorCodes[code]}`;
  if (typeof body.message !== 'string' || !body.message) return `${a.status} ${code} without a message`;
  if (/\n\s+at |node_modules|\.ts:\d/.test(body.message)) return `${a.status} ${code}: a stack in the message`;
  if (FIELD_CODES.has(code) && (typeof body.field !== 'string' || !body.field)) return `${a.status} ${code} does not name the field: ${a.body.slice(0, 200)}`;
  return undefined;
}
