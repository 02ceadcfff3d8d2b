// One request to the owner node: which of the client's headers go along, who
// forwarded it (the loop guard), and the two timeouts (connect; silence).
import { request as httpRequest, type Agent, type ClientRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';

/** Set on every forwarded request; a request that carries it is never forwarded again. */
export const PROXIED_BY = 'x-gw-proxied-by';
/** Set on proxied answers: the node that served them. */
export const SERVED_BY = 'x-gw-served-by';

export class UpstreamFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamFailure';
  }
}

export interface UpstreamSettings {
  nodeId: string;
  connectTimeoutMs: number;
  /** Silence allowed on the connection, before the answer and within a stream. */
  idleTimeoutMs: number;
  agents: { http: Agent; https: HttpsAgent };
}

/** The owner's URL for the same path and query. */
export function ownerUrl(base: string, path: string): URL {
  return new URL(base.replace(/\/+$/, '') + path);
}

export const headerValue = (h: string | string[] | undefined): string | undefined => (Array.isArray(h) ? h[0] : h);

/** Who the request is forwarded for and by, on top of the client's own headers. */
export function forwardedFor(headers: IncomingHttpHeaders, clientIp: string | undefined, proto: string, nodeId: string): OutgoingHttpHeaders {
  const chain = [headerValue(headers['x-forwarded-for']), clientIp].filter(Boolean).join(', ');
  return {
    ...(chain ? { 'x-forwarded-for': chain } : {}),
    'x-forwarded-proto': headerValue(headers['x-forwarded-proto']) ?? proto,
    ...(headers.host ? { 'x-forwarded-host': headerValue(headers['x-forwarded-host']) ?? headers.host } : {}),
    [PROXIED_BY]: nodeId,
  };
}

/** Starts the request (not ended); it fails with an UpstreamFailure on either timeout. */
export function upstreamRequest(target: URL, init: { method: string; headers: OutgoingHttpHeaders; signal?: AbortSignal; agent?: false }, s: UpstreamSettings): ClientRequest {
  const https = target.protocol === 'https:';
  const agent = init.agent === false ? false : https ? s.agents.https : s.agents.http;
  const req = (https ? httpsRequest : httpRequest)(target, { method: init.method, headers: init.headers, signal: init.signal, agent });
  const connectTimer = setTimeout(() => req.destroy(new UpstreamFailure(`no connection within ${s.connectTimeoutMs} ms`)), s.connectTimeoutMs);
  const connected = () => clearTimeout(connectTimer);
  req.once('socket', (socket) => (socket.connecting ? socket.once('connect', connected) : connected()));
  req.once('close', connected);
  req.setTimeout(s.idleTimeoutMs, () => req.destroy(new UpstreamFailure(`no data for ${Math.round(s.idleTimeoutMs / 1000)} s`)));
  return req;
}

/** A failure's message as a person reads it: "connect ECONNREFUSED 10.0.0.5:8080", "no connection within 3000 ms". */
export const failureText = (err: unknown): string => {
  const e = err as NodeJS.ErrnoException & { errors?: Error[] };
  // Happy-eyeballs connects give an AggregateError with one error per address.
  if (e?.errors?.length) return e.errors.map((x) => x.message).join('; ');
  return e?.message || e?.code || String(err);
};
