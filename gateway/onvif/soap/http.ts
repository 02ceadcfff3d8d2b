// One HTTP exchange with a camera: a deadline over the whole exchange, the
// answer read only up to a bound (the socket is dropped past it), and network
// failures turned into OnvifError kinds. Messages name host:port and the
// operation, never a URL's userinfo or a header.
import http from 'node:http';
import https from 'node:https';
import { OnvifError } from '../types.ts';

export interface HttpExchange {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes: number;
  /** For messages: 'GetProfiles', 'snapshot' … */
  operation: string;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** host:port of a URL, without userinfo. */
export const hostPort = (url: URL): string => url.host;

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED']);

export function httpExchange(x: HttpExchange): Promise<HttpAnswer> {
  const where = `${hostPort(x.url)} ${x.operation}`;
  return new Promise((resolve, reject) => {
    const lib = x.url.protocol === 'https:' ? https : http;
    let settled = false;
    const fail = (err: OnvifError) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      reject(err);
    };
    const body = x.body === undefined ? undefined : Buffer.from(x.body, 'utf8');
    const req = lib.request(
      {
        protocol: x.url.protocol,
        hostname: x.url.hostname.replace(/^\[|\]$/g, ''),
        port: x.url.port || undefined,
        path: `${x.url.pathname}${x.url.search}`,
        method: x.method,
        headers: { ...x.headers, ...(body ? { 'Content-Length': String(body.length) } : {}), Connection: 'close' },
      },
      (res) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > x.maxBytes) {
          fail(new OnvifError('malformed', `${where}: the answer is ${declared} bytes, over the ${x.maxBytes} bound`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > x.maxBytes) fail(new OnvifError('malformed', `${where}: the answer is over the ${x.maxBytes} bytes bound`));
          else chunks.push(chunk);
        });
        res.on('error', (err) => fail(networkError(where, err)));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
      },
    );
    const deadline = setTimeout(() => fail(new OnvifError('timeout', `${where}: no answer within ${x.timeoutMs} ms`)), x.timeoutMs);
    req.on('error', (err) => fail(networkError(where, err)));
    req.end(body);
  });
}

function networkError(where: string, err: NodeJS.ErrnoException): OnvifError {
  const code = err.code ?? '';
  if (UNREACHABLE.has(code)) return new OnvifError('unreachable', `${where}: ${code}`);
  if (code === 'ETIMEDOUT') return new OnvifError('timeout', `${where}: ${code}`);
  return new OnvifError('unreachable', `${where}: ${code || err.message}`);
}
