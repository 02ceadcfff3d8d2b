// Two real gateway HTTP apps in one process, each with the real video routes
// and WebSocket FLV: node B owns cam-1 and serves real HLS files (made by
// ffmpeg) and real FLV bytes (from a stand-in for its loopback live server);
// node A does not run it and answers from B. Byte-identical playlist and
// segments through A, FLV over HTTP and WebSocket through A, a client that
// leaves mid-stream ending the stream at B's source, a token minted on A
// accepted by B, 503 without an owner, 502 with the owner down, 307 in
// redirect mode, and no second hop for a forwarded request.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, get as httpGet, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import { ApiKeys, RegistryService, SqliteRegistryStore, SYSTEM_ACTOR, UrlTokens } from '../../../device-registry/index.ts';
import { buildApp } from '../../http/app.ts';
import { findFfmpeg } from '../../video/ffmpeg/locate.ts';
import { FrameHub } from '../../video/frames.ts';
import { MediaTokens } from '../../video/http/media-token.ts';
import { mediaAccess } from '../../video/http/media-access.ts';
import { videoRoutes } from '../../video/http/video-routes.ts';
import { attachWsFlv } from '../../video/http/ws-flv.ts';
import type { VideoManager } from '../../video/video-manager.ts';
import { mediaOwnerRouting, type MediaOwnerRouting, type MediaRoutingMode } from './media-owner.ts';
import type { MediaLocation } from './locate.ts';
import { PROXIED_BY } from './upstream.ts';

const run = promisify(execFile);
const CH = 'cam-1';
const log = pino({ level: 'silent' });

let dir: string;
let registry: RegistryService;
let keys: ApiKeys;
let apiKey: string;
const secret = randomBytes(32);
let flvFile: Buffer;

/** The live server's loopback HTTP-FLV, standing in: the FLV file paced out at ~400 KB/s, then held open. */
let flvSource: Server;
let flvSourceUrl: string;
const flvStreams: Array<{ closed: boolean; sent: number }> = [];

interface Node {
  id: string;
  url: string;
  app: FastifyInstance;
  routing: MediaOwnerRouting;
  /** Where this node's locate says each channel is. */
  places: Map<string, MediaLocation>;
  touches: string[];
  requests: string[];
  /** Requests whose connection went before they were answered. */
  dropped: string[];
}
let a: Node;
let b: Node;
let redirecting: Node;

async function startNode(id: string, opts: { hlsRoot: string; mode?: MediaRoutingMode }): Promise<Node> {
  const places = new Map<string, MediaLocation>();
  const touches: string[] = [];
  // The routes' view of the node's ingest: the HLS directory and who asked for the channel.
  const manager = {
    hlsDir: (channelId: string) => join(opts.hlsRoot, channelId),
    touch: async (channelId: string) => void touches.push(channelId),
    // A channel this node runs is live here; the others have no status on this node.
    status: (channelId: string) => ((places.get(channelId) ?? { local: true }).local ? { state: 'online' } : undefined),
    allStatus: () => [],
  } as unknown as VideoManager;
  const routing = mediaOwnerRouting({ nodeId: id, mode: opts.mode, log, locate: async (channelId) => places.get(channelId) ?? { local: true } });
  const tokens = new MediaTokens(secret, 600);
  const flv = { url: () => flvSourceUrl, isPublishing: () => true };
  const app = await buildApp({
    logger: log, service: registry, keys, urlTokens: new UrlTokens(secret, 600), metrics: new Registry(), readiness: { shuttingDown: () => false, checks: {} }, bodyLimit: 1 << 20,
    routes: [(app) => {
      videoRoutes(app, { registry, keys, manager, tokens, frames: new FrameHub(), ffmpegPath: findFfmpeg().path, flv, remote: routing });
      const detach = attachWsFlv(app.server, { access: mediaAccess({ registry, keys, manager, tokens, flv }), touch: async () => {}, log, remote: routing });
      app.addHook('preClose', async () => detach());
    }],
  });
  const requests: string[] = [];
  const dropped: string[] = [];
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    requests.push(req.url ?? '');
    res.once('close', () => res.writableFinished || dropped.push(req.url ?? ''));
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { id, url: `http://127.0.0.1:${port}`, app, routing, places, touches, requests, dropped };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-cluster-media-'));
  const ffmpeg = findFfmpeg().path;
  const hls = join(dir, 'b', CH);
  mkdirSync(hls, { recursive: true });
  await run(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-t', '4', '-c:v', 'libx264', '-g', '10',
    '-f', 'hls', '-hls_time', '1', '-hls_list_size', '0', '-hls_segment_filename', join(hls, 'seg-%d.ts'), join(hls, 'index.m3u8')]);
  await run(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-t', '30', '-c:v', 'libx264', '-g', '10',
    '-f', 'flv', join(dir, 'cam.flv')]);
  flvFile = readFileSync(join(dir, 'cam.flv'));

  flvSource = createServer((_req, res) => {
    const s = { closed: false, sent: 0 };
    flvStreams.push(s);
    res.writeHead(200, { 'content-type': 'video/x-flv' });
    const timer = setInterval(() => {
      if (s.sent >= flvFile.length) return; // held open, like a live stream between frames
      res.write(flvFile.subarray(s.sent, s.sent + 8192));
      s.sent += 8192;
    }, 20);
    res.once('close', () => {
      s.closed = true;
      clearInterval(timer);
    });
  });
  flvSource.listen(0, '127.0.0.1');
  await once(flvSource, 'listening');
  flvSourceUrl = `http://127.0.0.1:${(flvSource.address() as AddressInfo).port}/internal/cam-1.flv`;

  registry = new RegistryService(new SqliteRegistryStore(join(dir, 'registry.db')));
  keys = new ApiKeys(registry.store);
  apiKey = (await keys.create({ name: 'wall', role: 'operator' }, SYSTEM_ACTOR)).secret;
  await registry.create('channels', { id: CH, name: '东门', kind: 'rtsp', mode: 'on-demand', source: { url: 'rtsp://10.0.0.9/stream' } }, SYSTEM_ACTOR);
  await registry.create('channels', { id: 'cam-2', name: '西门', kind: 'rtsp', mode: 'on-demand', source: { url: 'rtsp://10.0.0.9/two' } }, SYSTEM_ACTOR);

  b = await startNode('node-b', { hlsRoot: join(dir, 'b') });
  a = await startNode('node-a', { hlsRoot: join(dir, 'a') });
  redirecting = await startNode('node-r', { hlsRoot: join(dir, 'r'), mode: 'redirect' });
  for (const n of [a, redirecting]) for (const id of [CH, 'cam-2']) n.places.set(id, { local: false, nodeId: 'node-b', url: b.url });
});

after(async () => {
  for (const n of [a, b, redirecting]) {
    n?.routing.close();
    await n?.app.close();
  }
  flvSource?.closeAllConnections();
  flvSource?.close();
  rmSync(dir, { recursive: true, force: true });
});

const play = async (node: Node) => {
  const res = await fetch(`${node.url}/api/channels/${CH}/play`, { headers: { authorization: `Bearer ${apiKey}` } });
  assert.equal(res.status, 200);
  return (await res.json()) as { hls: string; flv: string };
};

const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer());

/** The first `n` bytes of an HTTP-FLV response, then the connection is dropped. */
function readFlv(url: string, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, (res: IncomingMessage) => {
      if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
      const chunks: Buffer[] = [];
      let got = 0;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        got += c.length;
        if (got >= n) {
          req.destroy();
          resolve(Buffer.concat(chunks).subarray(0, n));
        }
      });
    });
    req.once('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
  });
}

/** What the owner serves: the FLV with its header's audio flag cleared. */
const expectedFlv = (n: number) => {
  const head = Buffer.from(flvFile.subarray(0, n));
  head[4] = head[4]! & ~0x04;
  return head;
};

async function waitUntil(probe: () => boolean, what: string, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('HLS through the non-owner: the playlist and every segment byte-identical to the owner\'s, with its headers; the owner is touched', async () => {
  const urls = await play(a); // the token is minted on A
  const viaA = await fetch(`${a.url}${urls.hls}`);
  const direct = await fetch(`${b.url}${urls.hls}`); // and accepted by B
  assert.equal(viaA.status, 200);
  assert.equal(direct.status, 200);
  assert.equal(viaA.headers.get('content-type'), 'application/vnd.apple.mpegurl');
  assert.equal(viaA.headers.get('cache-control'), 'no-cache');
  assert.equal(viaA.headers.get('x-gw-served-by'), 'node-b');
  const playlist = await bytes(viaA);
  assert.deepEqual(playlist, await bytes(direct));

  const segments = playlist.toString().split('\n').filter((l) => l.startsWith('seg-'));
  assert.ok(segments.length >= 3, `segments: ${segments.join(',')}`);
  const base = urls.hls.replace(/index\.m3u8$/, '');
  for (const seg of segments) {
    const res = await fetch(`${a.url}${base}${seg}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'video/mp2t');
    assert.equal(res.headers.get('cache-control'), 'private, max-age=60');
    assert.deepEqual(await bytes(res), readFileSync(join(dir, 'b', CH, seg)), seg);
  }
  assert.ok(b.touches.filter((id) => id === CH).length >= segments.length, 'the owner keeps the channel running');
  assert.equal(a.touches.length, 1, 'the non-owner only saw the play request');

  // The owner's refusals come back as they are.
  const missing = await fetch(`${a.url}${base}seg-999.ts`);
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { message: string }).message, /no longer available/);
});

test('a snapshot asked of the non-owner is the owner\'s (the API key goes along)', async () => {
  const auth = { authorization: `Bearer ${apiKey}` };
  const viaA = await fetch(`${a.url}/api/channels/${CH}/snapshot.jpg?width=160`, { headers: auth });
  assert.equal(viaA.status, 200);
  assert.equal(viaA.headers.get('content-type'), 'image/jpeg');
  assert.equal(viaA.headers.get('x-gw-served-by'), 'node-b');
  const direct = await fetch(`${b.url}/api/channels/${CH}/snapshot.jpg?width=160`, { headers: auth });
  assert.deepEqual(await bytes(viaA), await bytes(direct));
  const anonymous = await fetch(`${a.url}/api/channels/${CH}/snapshot.jpg`);
  assert.equal(anonymous.status, 401, 'refused by the node asked, before anything is forwarded');
  await anonymous.arrayBuffer();
});

test('a token minted on one node is accepted on the others (one cluster secret), not by a node with its own', async () => {
  const urls = await play(a);
  const res = await fetch(`${b.url}${urls.hls}`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  const token = urls.hls.split('/')[2]!;
  assert.equal(new MediaTokens(randomBytes(32), 600).verify(token, CH).ok, false, 'a per-node secret refuses it');
  const forged = await fetch(`${a.url}/media/${'x'.repeat(20)}.${token.split('.')[1]}.${'A'.repeat(32)}/${CH}/index.m3u8`);
  assert.equal(forged.status, 403, 'the token is checked before anything is forwarded');
  await forged.arrayBuffer();
});

test('HTTP-FLV through the non-owner streams the owner\'s bytes; a client that leaves ends the stream at the owner\'s source', async () => {
  const urls = await play(a);
  const before = flvStreams.length;
  const head = await readFlv(`${a.url}${urls.flv}`, 64 * 1024);
  assert.deepEqual(head, expectedFlv(head.length));
  assert.equal(flvStreams.length, before + 1);
  const stream = flvStreams.at(-1)!;
  await waitUntil(() => stream.closed, 'the owner\'s FLV source to be let go');
  assert.ok(stream.sent < flvFile.length, 'stopped mid-stream');
});

test('FLV over WebSocket through the non-owner: the owner\'s bytes, and closing the client ends the owner\'s stream', async () => {
  const urls = await play(a);
  const ws = new WebSocket(`${a.url.replace('http', 'ws')}${urls.flv}`);
  const chunks: Buffer[] = [];
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data: Buffer) => {
      chunks.push(data);
      got += data.length;
      if (got >= 48 * 1024) resolve();
    });
    ws.once('error', reject);
  });
  const all = Buffer.concat(chunks);
  assert.deepEqual(all, expectedFlv(all.length));
  const stream = flvStreams.at(-1)!;
  ws.close();
  await once(ws, 'close');
  await waitUntil(() => stream.closed, 'the owner\'s FLV source to be let go');
});

test('a client that leaves while the owner is still starting the channel aborts the forwarded request at once', async () => {
  // cam-2 has no video on B yet: B waits up to 10 s for its first playlist.
  const urls = await (await fetch(`${a.url}/api/channels/cam-2/play`, { headers: { authorization: `Bearer ${apiKey}` } })).json() as { hls: string };
  const client = new AbortController();
  const pending = fetch(`${a.url}${urls.hls}`, { signal: client.signal });
  await waitUntil(() => b.requests.includes(urls.hls), 'the request to reach the owner');
  const t0 = Date.now();
  client.abort();
  await assert.rejects(pending, { name: 'AbortError' });
  await waitUntil(() => b.dropped.includes(urls.hls), 'the owner to see the forwarded request go', 2000);
  assert.ok(Date.now() - t0 < 2000);
  // B's handler waits on for the playlist (it does not watch its client): give it one, so nothing lingers.
  cpSync(join(dir, 'b', CH), join(dir, 'b', 'cam-2'), { recursive: true });
  await new Promise((r) => setTimeout(r, 400));
});

const wsStatus = (url: string) =>
  new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => reject(new Error('accepted')));
    ws.on('error', reject);
  });

test('no owner right now → 503 with the reason, over HTTP and WebSocket; the status says so', async () => {
  const urls = await play(a);
  a.places.set(CH, { local: false, none: true });
  try {
    const res = await fetch(`${a.url}${urls.hls}`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, 'GW_ERR_UNAVAILABLE');
    assert.equal(body.message, `channel '${CH}' has no owner node right now; it will start on a node within the lease time`);
    assert.equal(await wsStatus(`${a.url.replace('http', 'ws')}${urls.flv}`), 503);
    const status = (await (await fetch(`${a.url}/api/channels/${CH}/status`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as Record<string, unknown>;
    assert.equal(status.state, 'offline');
    assert.equal(status.node, null);
    assert.match(String(status.reason), /no node runs it right now/);
  } finally {
    a.places.set(CH, { local: false, nodeId: 'node-b', url: b.url });
  }
});

test('the status on a non-owner comes from the shared registry, with the node that runs the channel', async () => {
  await registry.setStatus('channels', CH, { state: 'online' });
  const res = await fetch(`${a.url}/api/channels/${CH}/status`, { headers: { authorization: `Bearer ${apiKey}` } });
  assert.equal(res.status, 200);
  const status = (await res.json()) as Record<string, unknown>;
  assert.equal(status.state, 'online');
  assert.equal(status.running, true);
  assert.equal(status.node, 'node-b');
});

test('owner down → 502 with the reason, over HTTP and WebSocket', async () => {
  const dead = createServer();
  dead.listen(0, '127.0.0.1');
  await once(dead, 'listening');
  const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
  dead.close();
  const urls = await play(a);
  a.places.set(CH, { local: false, nodeId: 'node-c', url: deadUrl });
  try {
    const res = await fetch(`${a.url}${urls.hls}`);
    assert.equal(res.status, 502);
    const body = (await res.json()) as { code: string; message: string; node: string };
    assert.equal(body.code, 'GW_ERR_OWNER_UNREACHABLE');
    assert.equal(body.node, 'node-c');
    assert.match(body.message, /^channel 'cam-1' runs on node 'node-c', which cannot be reached: .*ECONNREFUSED/);
    assert.equal(await wsStatus(`${a.url.replace('http', 'ws')}${urls.flv}`), 502);
  } finally {
    a.places.set(CH, { local: false, nodeId: 'node-b', url: b.url });
  }
});

test('redirect mode → 307 to the same path on the owner, which accepts the token', async () => {
  const urls = await play(redirecting);
  const res = await fetch(`${redirecting.url}${urls.hls}`, { redirect: 'manual' });
  assert.equal(res.status, 307);
  assert.equal(res.headers.get('location'), `${b.url}${urls.hls}`);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const followed = await fetch(`${redirecting.url}${urls.hls}`);
  assert.equal(followed.status, 200);
  assert.equal(followed.url, `${b.url}${urls.hls}`);
  await followed.arrayBuffer();
});

test('a forwarded request is never forwarded again: 508, and no second hop', async () => {
  const urls = await play(a);
  const bSeen = b.requests.length;
  const forged = await fetch(`${a.url}${urls.hls}`, { headers: { [PROXIED_BY]: 'node-x' } });
  assert.equal(forged.status, 508);
  assert.equal(((await forged.json()) as { code: string }).code, 'GW_ERR_PROXY_LOOP');
  assert.equal(b.requests.length, bSeen, 'nothing went to the owner');

  // A and B disagree about the owner (the lease is moving): A forwards to B, B does not send it back.
  b.places.set(CH, { local: false, nodeId: 'node-a', url: a.url });
  try {
    const aSeen = a.requests.length;
    const res = await fetch(`${a.url}${urls.hls}`);
    assert.equal(res.status, 508);
    const body = (await res.json()) as { message: string };
    assert.match(body.message, /node 'node-a' forwarded channel 'cam-1' to node 'node-b', which does not run it/);
    assert.equal(a.requests.length, aSeen + 1, 'A saw only the client\'s request');
    assert.equal(b.requests.length, bSeen + 1, 'B saw one forwarded request');
    assert.equal(await wsStatus(`${a.url.replace('http', 'ws')}${urls.flv}`), 508);
  } finally {
    b.places.delete(CH);
  }
});
