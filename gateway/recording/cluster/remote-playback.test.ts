// The recorded-segment route of two real HTTP servers ("node-a", "node-b")
// over one SQLite index: node-b serves node-a's segment by proxying it to
// node-a, or, on shared storage, from the file it reads itself without asking
// node-a; a forwarded request is never forwarded again; node-a down is a
// prompt 503 naming it. (test/cluster-recording.test.ts runs the same with
// real gateway processes, PostgreSQL and NATS.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { GwError, installValidators, type RegistryService } from '../../../device-registry/index.ts';
import { MediaTokens } from '../../video/http/media-token.ts';
import { playbackRoutes } from '../http/playback-routes.ts';
import { RecordingPaths } from '../paths.ts';
import type { RecordingIndex } from '../store/recording-index.ts';
import { openSqliteIndex } from '../store/sqlite-index.ts';
import { RemoteSegments, segmentRoute } from './remote-segments.ts';
import { SegmentNodes, type ClusterNodeEntry } from './segment-nodes.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-remote-play-'));
const CHANNEL = 'cam-1';
const START = Date.UTC(2026, 11, 7, 1, 0, 0);
const tokens = new MediaTokens(Buffer.alloc(32, 7), 600);
const token = tokens.issue(CHANNEL, 'key-1').token;
const log = pino({ level: 'silent' });
let index: RecordingIndex;
let sample: string;
const live: ClusterNodeEntry[] = [];
const servers: FastifyInstance[] = [];

before(() => {
  sample = join(dir, 'sample.ts');
  execFileSync('ffmpeg', ['-hide_banner', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '2', '-c:v', 'libx264', '-g', '10', '-f', 'mpegts', '-y', sample]);
  index = openSqliteIndex(join(dir, 'recordings.db'));
});
after(async () => {
  for (const s of servers) await s.close();
  await index?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One node's segment route on a real port; `asked` counts the requests it got. */
async function startNode(nodeId: string, root: string, sharedStorage: boolean) {
  const app = Fastify({ logger: false });
  installValidators(app); // the project's ajv (its schema keywords)
  const counter = { asked: 0 };
  app.addHook('onRequest', async () => void counter.asked++);
  const paths = new RecordingPaths(root, sharedStorage ? { sharedByNode: nodeId } : {});
  const remote = new RemoteSegments({ nodeId, nodes: new SegmentNodes({ liveNodes: async () => live, cacheMs: 0 }), log });
  app.addHook('onClose', async () => remote.close());
  const checkToken = async (t: string, id: string) => {
    const check = tokens.verify(t, id);
    if (!check.ok) throw new GwError('GW_ERR_FORBIDDEN', check.why, 'token');
  };
  playbackRoutes(app, { registry: {} as RegistryService, index, paths, tokens, checkToken, nodeId, remote, sharedStorage });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  servers.push(app);
  live.push({ nodeId, url });
  return { app, url, paths, counter };
}

/** node-a's segment file under `paths` and its row. */
async function recordOnA(paths: RecordingPaths, startMs: number): Promise<string> {
  const rel = paths.segmentRel(CHANNEL, startMs);
  const file = paths.absolute(rel);
  mkdirSync(dirname(file), { recursive: true });
  copyFileSync(sample, file);
  await index.addSegment({ channelId: CHANNEL, startMs, endMs: startMs + 2000, bytes: statSync(file).size, path: rel, nodeId: 'node-a', keyframeFirst: true, class: 'continuous', source: 'gateway' });
  return file;
}

test('separate disks: node-b proxies node-a\'s segment to node-a (its bytes); shared storage: node-b reads it itself, node-a is not asked; a file node-b cannot read is proxied', async () => {
  live.length = 0;
  const a = await startNode('node-a', join(dir, 'a-disk'), false);
  const b = await startNode('node-b', join(dir, 'b-disk'), false);
  const file = await recordOnA(a.paths, START);
  const res = await fetch(b.url + segmentRoute(token, { channelId: CHANNEL, startMs: START }));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-gw-served-by'), 'node-a');
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(readFileSync(file)));
  assert.equal(a.counter.asked, 1);

  // One NAS mounted by both: node-b reads node-a's file from nodes/node-a/ itself.
  live.length = 0;
  const nas = join(dir, 'nas');
  const sa = await startNode('node-a', nas, true);
  const sb = await startNode('node-b', nas, true);
  const shared = await recordOnA(sa.paths, START + 2000);
  const direct = await fetch(sb.url + segmentRoute(token, { channelId: CHANNEL, startMs: START + 2000 }));
  assert.equal(direct.status, 200);
  assert.equal(direct.headers.get('x-gw-served-by'), null);
  assert.ok(Buffer.from(await direct.arrayBuffer()).equals(readFileSync(shared)));
  assert.equal(sa.counter.asked, 0, 'node-a was not asked');

  // Shared storage, but this segment's file is not readable from node-b (here: only on node-a's own disk): proxied.
  const elsewhere = await fetch(sb.url + segmentRoute(token, { channelId: CHANNEL, startMs: START }));
  // node-a (on the NAS now) has no such file either: its 404 comes back through the proxy.
  assert.equal(elsewhere.status, 404);
  assert.equal(elsewhere.headers.get('x-gw-served-by'), 'node-a');
  await elsewhere.arrayBuffer();
  assert.equal(sa.counter.asked, 1, 'node-a was asked when node-b could not read the file');
});

test('a forwarded request for another node\'s segment is refused (508), never forwarded again; node-a down is a prompt 503 naming it; a bad token is 403 before anything', async () => {
  live.length = 0;
  const a = await startNode('node-a', join(dir, 'a2-disk'), false);
  const b = await startNode('node-b', join(dir, 'b2-disk'), false);
  await recordOnA(a.paths, START + 10_000);
  const url = b.url + segmentRoute(token, { channelId: CHANNEL, startMs: START + 10_000 });
  const looped = await fetch(url, { headers: { 'x-gw-proxied-by': 'node-c' } });
  assert.equal(looped.status, 508);
  assert.match(((await looped.json()) as { message: string }).message, /node 'node-c' forwarded it/);
  assert.equal(a.counter.asked, 0);

  const forbidden = await fetch(b.url + segmentRoute(tokens.issue('cam-2', 'key-1').token, { channelId: CHANNEL, startMs: START + 10_000 }));
  assert.equal(forbidden.status, 403);
  assert.equal(a.counter.asked, 0);

  // node-b's own footage on either side of node-a's segment.
  for (const at of [START + 8000, START + 12_000]) {
    const rel = b.paths.segmentRel(CHANNEL, at);
    mkdirSync(dirname(b.paths.absolute(rel)), { recursive: true });
    copyFileSync(sample, b.paths.absolute(rel));
    await index.addSegment({ channelId: CHANNEL, startMs: at, endMs: at + 2000, bytes: statSync(sample).size, path: rel, nodeId: 'node-b', keyframeFirst: true, class: 'continuous', source: 'gateway' });
  }
  const playlist = (from = START + 8000, to = START + 14_000) => fetch(`${b.url}/media/${token}/${CHANNEL}/vod.m3u8?from=${from}&to=${to}`).then((r) => r.text());
  assert.doesNotMatch(await playlist(), /#EXT-X-GAP/, 'node-a beats: its segment is listed as usual');

  // node-a stops beating: refused at once, without a connection attempt; the playlist marks its segment a gap between
  // node-b's (the player skips it), and leaves it out where it would start or end the playlist (a player does not start over a gap).
  live.splice(live.findIndex((n) => n.nodeId === 'node-a'), 1);
  const lines = (await playlist()).split('\n');
  const at = lines.indexOf(`rec/${START + 10_000}.ts`);
  assert.deepEqual(lines.slice(at - 2, at + 1), ['#EXT-X-GAP', '#EXTINF:2.000,', `rec/${START + 10_000}.ts`]);
  assert.deepEqual(lines.filter((l) => l.startsWith('rec/')), [START + 8000, START + 10_000, START + 12_000].map((t) => `rec/${t}.ts`));
  const trimmed = (await playlist(START + 10_000, START + 14_000)).split('\n').filter((l) => l.startsWith('rec/') || l === '#EXT-X-GAP');
  assert.deepEqual(trimmed, [`rec/${START + 12_000}.ts`]);
  const gone = await fetch(url);
  assert.equal(gone.status, 503);
  assert.match(((await gone.json()) as { message: string }).message, /on node 'node-a', which cannot serve it: node 'node-a' is not running/);

  // node-a still listed (its heartbeat not yet stale) but its process gone: connection refused, 503 naming it.
  live.push({ nodeId: 'node-a', url: a.url });
  await a.app.close();
  const refused = await fetch(url);
  assert.equal(refused.status, 503);
  assert.match(((await refused.json()) as { message: string }).message, /on node 'node-a', which cannot be reached: .*ECONNREFUSED/);
});
