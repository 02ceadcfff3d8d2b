// A WebSocket upgrade passed through to the owner node as bytes: the owner
// does the handshake and the FLV-over-WebSocket framing, this node relays the
// two sockets with pipe() both ways. Backpressure carries through: a client
// that stops reading stops this node reading the owner, whose own slow-client
// guard (1013) then closes it. Either side closing closes the other. A refusal
// by the owner (403, 503…) reaches the client as the owner's status and body.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { writeRawResponse } from './refusal.ts';
import { forwardedFor, ownerUrl, PROXIED_BY, SERVED_BY, UpstreamFailure, upstreamRequest, type UpstreamSettings } from './upstream.ts';

const MAX_REFUSAL_BODY = 64 * 1024;
const DROP_HEADERS = new Set(['host', PROXIED_BY, 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);

export interface UpgradeHooks {
  /** The owner gave no answer: the caller writes the refusal (502). */
  onFailure: (err: UpstreamFailure) => void;
  onRelayError: (err: Error) => void;
}

export function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, owner: { nodeId: string; url: string }, s: UpstreamSettings, hooks: UpgradeHooks): void {
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !DROP_HEADERS.has(name)));
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  // An upgraded socket never goes back to a pool: no agent.
  const up = upstreamRequest(ownerUrl(owner.url, req.url ?? '/'), {
    method: 'GET',
    headers: { ...headers, ...forwardedFor(req.headers, req.socket.remoteAddress, encrypted ? 'https' : 'http', s.nodeId) },
    agent: false,
  }, s);
  // Set once the owner answered: a later error of the request is the relay's, not a failure to answer.
  let answered = false;
  const clientGone = () => up.destroy();
  socket.once('close', clientGone);
  socket.on('error', hooks.onRelayError);

  up.once('upgrade', (res, upSocket: Socket, upHead: Buffer) => {
    answered = true;
    socket.off('close', clientGone);
    const lines = ['HTTP/1.1 101 Switching Protocols'];
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
    lines.push(`${SERVED_BY}: ${owner.nodeId}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (upHead.length) socket.write(upHead);
    if (head.length) upSocket.write(head);
    upSocket.setNoDelay(true);
    (socket as Partial<Socket>).setNoDelay?.(true);
    // The stream has its own silence check at the owner; here only a dead owner connection.
    upSocket.setTimeout(s.idleTimeoutMs, () => upSocket.destroy(new Error(`owner silent for ${Math.round(s.idleTimeoutMs / 1000)} s`)));
    const closeBoth = () => {
      socket.destroy();
      upSocket.destroy();
    };
    socket.once('close', closeBoth);
    upSocket.once('close', closeBoth);
    upSocket.on('error', hooks.onRelayError);
    upSocket.pipe(socket);
    socket.pipe(upSocket);
  });

  up.once('response', (res) => {
    // The owner refused the upgrade: hand its answer on.
    answered = true;
    socket.off('close', clientGone);
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_REFUSAL_BODY) chunks.push(c);
    });
    res.once('end', () => {
      const passed = Object.fromEntries(['content-type', 'retry-after'].flatMap((h) => (res.headers[h] ? [[h, String(res.headers[h])]] : [])));
      writeRawResponse(socket, res.statusCode ?? 502, { ...passed, [SERVED_BY]: owner.nodeId }, Buffer.concat(chunks));
    });
    res.once('error', (err) => {
      hooks.onRelayError(err);
      socket.destroy();
    });
  });

  up.on('error', (err) => {
    socket.off('close', clientGone);
    if (answered) return hooks.onRelayError(err);
    if (socket.destroyed) return; // the client left first
    answered = true;
    hooks.onFailure(err instanceof UpstreamFailure ? err : new UpstreamFailure(err.message, { cause: err }));
  });
  up.end();
}
