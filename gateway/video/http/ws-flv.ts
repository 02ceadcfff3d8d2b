// HTTP-FLV over WebSocket, at the HTTP-FLV path (ws://…/media/<token>/<id>/live.flv,
// a sub-stream at …/<id>/sub/live.flv).
// A browser holds at most 6 HTTP/1.1 connections per host and each HTTP-FLV
// stream keeps one open, so a 16-tile FLV wall would stall at ~5 tiles;
// WebSockets are not counted against that pool, and mpegts.js plays ws:// FLV.
// Same checks as the HTTP route (token, channel, stream running), refused with
// a real HTTP status before the upgrade; then one binary message per FLV
// chunk. A client that cannot keep up is closed (1013), not buffered forever.
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { GwError } from '../../../device-registry/index.ts';
import type { FlvUpstream, MediaAccess, RemoteMedia } from './media-access.ts';
import { subStreamKey } from '../sub-streams.ts';
import { VIEWER_TOUCH_MS } from '../channel-demand.ts';

export interface WsFlvDeps {
  access: MediaAccess;
  /** Keeps an on-demand channel running while someone watches. */
  touch: (channelId: string) => Promise<unknown>;
  log: Logger;
  /** Cluster mode: channels that run on another node are relayed there. */
  remote?: Pick<RemoteMedia, 'upgrade'>;
  /** Bytes queued for one client beyond which it is too slow (default 4 MiB). */
  maxBufferedBytes?: number;
}

const FLV_PATH = /^\/media\/([^/]+)\/([^/]+)(\/sub)?\/live\.flv$/;
const TOKEN = /^[A-Za-z0-9_.-]{10,300}$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** How long a closing client may take to read the close frame before its socket is cut. */
const CLOSE_GRACE_MS = 5000;

export const WS_CLOSE = { tooSlow: 1013, upstreamEnded: 1011 } as const;

/** Answers the upgrade request with an HTTP error (the GwError's status and body), then drops the socket. */
function refuse(socket: Duplex, err: unknown): void {
  const status = err instanceof GwError ? err.statusCode : 500;
  const body = JSON.stringify(err instanceof GwError ? err.toBody() : { code: 'GW_ERR_INTERNAL', message: 'internal error' });
  if (socket.destroyed) return;
  const cut = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  socket.once('close', () => clearTimeout(cut));
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function isWebSocketHandshake(req: IncomingMessage): boolean {
  return req.method === 'GET' && req.headers.upgrade?.toLowerCase() === 'websocket' && typeof req.headers['sec-websocket-key'] === 'string';
}

/** Listens for upgrades to FLV paths on `server`; returns a detach that also ends every stream. */
export function attachWsFlv(server: Server, deps: WsFlvDeps): () => void {
  const maxBuffered = deps.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  const stream = (ws: WebSocket, upstream: FlvUpstream, channelId: string, log: Logger) => {
    const touch = setInterval(() => deps.touch(channelId).catch((err: unknown) => log.warn({ err }, 'cannot keep the channel running')), VIEWER_TOUCH_MS);
    let done = false;
    const finish = (code: number, reason: string) => {
      if (done) return;
      done = true;
      clearInterval(touch);
      upstream.close();
      if (ws.readyState === ws.OPEN) {
        ws.close(code, reason);
        setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
      }
    };
    upstream.stream.on('data', (chunk: Buffer) => {
      if (done) return;
      if (ws.bufferedAmount > maxBuffered) {
        log.warn({ bufferedBytes: ws.bufferedAmount }, 'FLV over WebSocket: the client does not keep up, closing it');
        return finish(WS_CLOSE.tooSlow, `client too slow: over ${Math.round(maxBuffered / 1024)} KiB queued`);
      }
      ws.send(chunk, { binary: true });
    });
    upstream.stream.once('error', (err) => {
      log.warn({ err }, 'FLV over WebSocket: the live stream failed');
      finish(WS_CLOSE.upstreamEnded, 'live stream failed');
    });
    upstream.stream.once('close', () => finish(WS_CLOSE.upstreamEnded, 'live stream ended'));
    ws.on('error', (err) => log.debug({ err }, 'FLV over WebSocket: client socket error'));
    ws.once('close', (code) => {
      log.debug({ code }, 'FLV over WebSocket: client gone');
      finish(1000, '');
    });
  };

  const accept = async (req: IncomingMessage, socket: Duplex, head: Buffer, tokenPart: string, idPart: string, sub: boolean) => {
    let channelId = idPart;
    const log = deps.log.child({ channelId });
    const early = (err: Error) => log.debug({ err }, 'FLV over WebSocket: socket error before the upgrade');
    socket.on('error', early);
    let upstream: FlvUpstream;
    try {
      if (!isWebSocketHandshake(req)) throw new GwError('GW_ERR_VALIDATION', 'not a WebSocket handshake', 'upgrade');
      channelId = decodeURIComponent(idPart);
      if (!TOKEN.test(tokenPart) || !ID.test(channelId)) throw new GwError('GW_ERR_VALIDATION', 'malformed media path', 'path');
      await deps.access.checkToken(tokenPart, channelId);
      if (await deps.remote?.upgrade(req, socket, head, channelId)) return; // relayed to the owner node, or refused
      upstream = await deps.access.openFlvUpstream(sub ? subStreamKey(channelId) : channelId);
    } catch (err) {
      if (err instanceof GwError) log.info({ status: err.statusCode, reason: err.message }, 'FLV over WebSocket refused');
      else log.error({ err }, 'FLV over WebSocket: cannot open the stream');
      return refuse(socket, err);
    }
    socket.off('error', early);
    // Covers a client that left while the channel started, and a handshake ws itself rejects.
    socket.once('close', () => upstream.close());
    if (socket.destroyed) return upstream.close();
    wss.handleUpgrade(req, socket, head, (ws) => stream(ws, upstream, sub ? subStreamKey(channelId) : channelId, log));
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const m = FLV_PATH.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (!m) return; // another path: someone else's upgrade (MQTT over WebSocket…)
    accept(req, socket, head, m[1]!, m[2]!, m[3] !== undefined).catch((err: unknown) => {
      deps.log.error({ err, url: req.url?.replace(/\/media\/[^/]+/, '/media/<token>') }, 'FLV over WebSocket: upgrade failed');
      socket.destroy();
    });
  };
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
    // 1001: the player knows the server is going away and reconnects to the next one.
    for (const ws of wss.clients) {
      ws.close(1001, 'gateway shutting down');
      setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
    }
    wss.close();
  };
}
