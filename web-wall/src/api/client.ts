// HTTP to the gateway. A person's session rides in the gw_session cookie the
// browser sends itself (same origin); every write made with it carries the
// session's CSRF token in x-csrf-token. A machine's (kiosk's) API key rides in
// the Authorization header instead. An error body `{code, message, field}`
// becomes an ApiError the views can show by field; a 401 anywhere ends the
// sign-in (the session expired or was ended elsewhere).
import { serverText } from '../i18n/server-text.ts';
import type { ErrorBody } from './types.ts';

export class ApiError extends Error {
  constructor(readonly status: number, readonly body: ErrorBody, readonly retryAfter?: number) {
    super(body.message);
    // The message in the operator's language when the body has its code (device-registry/messages.ts), said
    // when it is read: a view that keeps the error and paints `message` says it again after a language switch.
    Object.defineProperty(this, 'message', { get: () => serverText({ code: body.messageCode, params: body.messageParams }, body.message) });
  }
  get field(): string | undefined {
    return this.body.field;
  }
}

let apiKey: string | null = null;
let csrfToken: string | null = null;
let onUnauthorized: () => void = () => {};

/** Signs requests with an API key (null: the session cookie alone). */
export function useKey(key: string | null, unauthorized?: () => void): void {
  apiKey = key;
  if (unauthorized) onUnauthorized = unauthorized;
}

/** The session's CSRF token for writes (from sign-in or GET /api/auth/me); null when signed out. */
export function useCsrfToken(token: string | null, unauthorized?: () => void): void {
  csrfToken = token;
  if (unauthorized) onUnauthorized = unauthorized;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Raw text body (CSV) with its content type. */
  text?: { body: string | Blob; type: string };
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** The request outlives the page (a stop sent on unload). */
  keepalive?: boolean;
  key?: string;
  /** A sign-in attempt: its 401 is a wrong password, not an ended session. */
  signingIn?: boolean;
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { ...opts.headers };
  const method = opts.method ?? 'GET';
  const key = opts.key ?? apiKey;
  if (key) headers.authorization = `Bearer ${key}`;
  else if (csrfToken && method !== 'GET') headers['x-csrf-token'] = csrfToken;
  let body: BodyInit | undefined;
  if (opts.text) {
    headers['content-type'] = opts.text.type;
    body = opts.text.body;
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(path, { method, headers, body, signal: opts.signal, keepalive: opts.keepalive, credentials: 'same-origin' });
  const type = res.headers.get('content-type') ?? '';
  const payload: unknown = res.status === 204 ? '' : type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    const err = typeof payload === 'object' && payload !== null ? (payload as ErrorBody) : { code: `HTTP_${res.status}`, message: String(payload || res.statusText) };
    if (res.status === 401 && !opts.key && !opts.signingIn) onUnauthorized();
    const retryAfter = Number(res.headers.get('retry-after'));
    throw new ApiError(res.status, err, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
  }
  return payload as T;
}

/** Every page of a list endpoint (the registry caps a page at 500). */
export async function apiAll<T>(path: string): Promise<T[]> {
  const out: T[] = [];
  const sep = path.includes('?') ? '&' : '?';
  for (let offset = 0; ; ) {
    const page = await api<{ items: T[]; total: number }>(`${path}${sep}limit=500&offset=${offset}`);
    out.push(...page.items);
    offset += page.items.length;
    if (page.items.length === 0 || offset >= page.total) return out;
  }
}
