// MQTT over WebSocket on the gateway's own HTTP server, at one path: browsers
// (the wall) connect to ws(s)://<gateway>/mqtt with the `mqtt` subprotocol.
// Upgrades for other paths are left to whoever else listens for them.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';

export function attachWebSocket(server: Server, path: string, handle: (stream: Duplex, req: IncomingMessage) => void): () => void {
  const wss = new WebSocketServer({ noServer: true });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== path) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => ws.terminate()); // the broker sees the close; the error itself is the client's
      handle(stream, req);
    });
  };
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
    for (const ws of wss.clients) ws.terminate();
    wss.close();
  };
}
