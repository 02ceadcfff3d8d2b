// The answers the media routing gives itself instead of the owner's: as a JSON
// error body over HTTP, or written raw on a socket whose upgrade it refuses.
// The codes are the catalogue's (device-registry/errors.ts).
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCodes } from '../../../device-registry/index.ts';

export const MEDIA_ROUTING_CODES = {
  GW_ERR_UNAVAILABLE: ErrorCodes.GW_ERR_UNAVAILABLE,
  GW_ERR_OWNER_UNREACHABLE: ErrorCodes.GW_ERR_OWNER_UNREACHABLE,
  GW_ERR_PROXY_LOOP: ErrorCodes.GW_ERR_PROXY_LOOP,
} as const;

export type MediaRoutingCode = keyof typeof MEDIA_ROUTING_CODES;

export class Refusal extends Error {
  readonly statusCode: number;

  constructor(readonly code: MediaRoutingCode, message: string, readonly node?: string) {
    super(message);
    this.name = 'Refusal';
    this.statusCode = MEDIA_ROUTING_CODES[code];
  }

  toBody(): Record<string, unknown> {
    return { code: this.code, message: this.message, field: 'id', ...(this.node ? { node: this.node } : {}) };
  }
}

/** How long a refused socket may take to read the answer before it is cut. */
const CLOSE_GRACE_MS = 5000;

/** Answers an upgrade request with a plain HTTP response, then drops the socket. */
export function writeRawResponse(socket: Duplex, status: number, headers: Record<string, string>, body: Buffer | string): void {
  if (socket.destroyed) return;
  const cut = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  socket.once('close', () => clearTimeout(cut));
  socket.once('finish', () => socket.destroy());
  const head = Object.entries({ ...headers, connection: 'close', 'content-length': String(Buffer.byteLength(body)) })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${head}\r\n`), Buffer.from(body)]));
}

export function refuseSocket(socket: Duplex, refusal: Refusal, extra: Record<string, string> = {}): void {
  writeRawResponse(socket, refusal.statusCode, { 'content-type': 'application/json; charset=utf-8', ...extra }, JSON.stringify(refusal.toBody()));
}
