// The WebSocket FLV endpoint on a bare HTTP server with a stand-in upstream:
// refusals with their status, a client that stops reading closed with 1013
// instead of being buffered for ever, and either side's end closing the other.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import pino from 'pino';
import WebSocket from 'ws';
import { GwError } from '../../../device-registry/index.ts';
import type { MediaAccess } from './media-access.ts';
import { attachWsFlv } from './ws-flv.ts';

const TOKEN = 'good-token-0123456789';
let server: Server;
let base: string;
let detach: () => void;
const upstreams: Array<{ stream: PassThrough; closed: boolean }> = [];

const access: MediaAccess = {
  checkToken: async (token) => {
    if (token !== TOKEN) throw new GwError('GW_ERR_FORBIDDEN', 'token is not valid for this channel', 'token');
  },
  waitForPlaylist: async () => {},
  openFlvUpstream: async (id) => {
    if (id === 'gone') throw new GwError('GW_ERR_NOT_FOUND', `channel '${id}' does not exist`, 'id');
    const u = { stream: new PassThrough(), closed: false };
    upstreams.push(u);
    return { stream: u.stream, close: () => ((u.closed = true), u.stream.destroy()) };
  },
};

before(async () => {
  server = createServer((_req, res) => res.end('plain http'));
  detach = attachWsFlv(server, { access, touch: async () => {}, log: pino({ level: 'silent' }), maxBufferedBytes: 256 * 1024 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address() as { port: number };
  base = `ws://127.0.0.1:${addr.port}`;
});
after(() => {
  detach();
  server.close();
});

const status = (path: string) =>
  new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`${base}${path}`);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => reject(new Error('accepted')));
    ws.on('error', reject);
  });

test('refusals carry the error catalogue status', async () => {
  assert.equal(await status(`/media/wrong-token-000000/cam/live.flv`), 403);
  assert.equal(await status(`/media/${TOKEN}/gone/live.flv`), 404);
  assert.equal(await status(`/media/${TOKEN}/bad%2Fid%00/live.flv`), 400);
});

test('a client that stops reading is closed with 1013, and the upstream with it', async () => {
  const ws = new WebSocket(`${base}/media/${TOKEN}/cam/live.flv`);
  await once(ws, 'open');
  const upstream = upstreams.at(-1)!;
  // Stop reading: the socket's buffers fill, then the gateway's queue grows.
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const chunk = Buffer.alloc(64 * 1024, 1);
  for (let i = 0; i < 400 && !upstream.closed; i++) {
    upstream.stream.write(chunk);
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(upstream.closed, 'the upstream was closed once the client fell too far behind');
  (ws as unknown as { _socket: { resume(): void } })._socket.resume();
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
  assert.equal(code, 1013);
  assert.match(reason.toString(), /client too slow/);
});

test('the upstream ends → 1011; the client leaves → the upstream is closed', async () => {
  const a = new WebSocket(`${base}/media/${TOKEN}/cam/live.flv`);
  await once(a, 'open');
  upstreams.at(-1)!.stream.end(Buffer.from('FLV\x01\x05'));
  const [code, reason] = (await once(a, 'close')) as [number, Buffer];
  assert.equal(code, 1011);
  assert.equal(reason.toString(), 'live stream ended');

  const b = new WebSocket(`${base}/media/${TOKEN}/cam/live.flv`);
  await once(b, 'open');
  const upstream = upstreams.at(-1)!;
  b.close();
  await once(b, 'close');
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(upstream.closed);
});
