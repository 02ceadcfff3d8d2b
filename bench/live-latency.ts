// Live latency on loopback: how long after the camera (simulator) sends a
// keyframe it reaches an HTTP-FLV client through the gateway, and how long
// until it is in a new HLS segment. The source is paused and resumed so the
// first keyframe after the gap is unambiguous.
//   node --import tsx bench/live-latency.ts [--rounds 6]
import { get } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../gateway/config/load.ts';
import { createGateway } from '../gateway/gateway.ts';
import { parsePlaylist } from '../gateway/video/ingest/hls-stats.ts';
import { startCameraSimulator } from '../test/sim/camera-sim.ts';
import { mean, round } from './proc.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '6' } } });
const ROUNDS = Number(values.rounds);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const clipDir = join(tmpdir(), 'gw-test-clips');

const sim = await startCameraSimulator({ clipDir, streams: [{ path: 'cam', clip: 'h264-720p' }] });
await sim.waitReady('cam', 60_000);
const dataDir = mkdtempSync(join(tmpdir(), 'bench-latency-'));
const config = loadConfig({ argv: ['--dataDir', dataDir, '--http.port', '0', '--sensors.enabled', 'false', '--gb28181.enabled', 'false', '--video.rtmp.port', '0', '--log.level', 'warn'], env: {}, cwd: process.cwd() });
const gw = await createGateway(config, pino({ level: 'warn' }, pino.destination(2)), process.stderr);
const base = await gw.app.listen({ host: '127.0.0.1', port: 0 });
const actor = { keyId: null, name: 'bench', role: null };
await gw.service.create('channels', { id: 'cam', name: 'cam', kind: 'rtsp', source: { url: sim.url('cam') }, mode: 'always-on' }, actor);
while (gw.video!.manager.status('cam')?.state !== 'online') await sleep(100);
await sleep(3000);

// An FLV reader through the gateway's authenticated proxy, noting when each keyframe tag arrives.
const key = await gw.keys.create({ name: 'bench', role: 'operator' }, actor);
const play = await (await fetch(`${base}/api/channels/cam/play`, { headers: { authorization: `Bearer ${key.secret}` } })).json() as { flv: string };
const keyframesAt: number[] = [];
let pending = Buffer.alloc(0);
let headerDone = false;
const req = get(`${base}${play.flv}`, (res) => {
  res.on('data', (chunk: Buffer) => {
    const now = Date.now();
    pending = Buffer.concat([pending, chunk]);
    if (!headerDone) {
      if (pending.length < 13) return;
      pending = pending.subarray(13); // FLV header + first PreviousTagSize
      headerDone = true;
    }
    while (pending.length >= 11) {
      const size = pending.readUIntBE(1, 3);
      if (pending.length < 11 + size + 4) break;
      if (pending[0] === 9 && pending[11]! >> 4 === 1) keyframesAt.push(now);
      pending = pending.subarray(11 + size + 4);
    }
  });
});

const hlsDir = gw.video!.manager.hlsDir('cam');
const segments = () => parsePlaylist(readFileSync(join(hlsDir, 'index.m3u8'), 'utf8')).map((s) => s.uri);

const flv: number[] = [];
const hls: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  sim.server.pause('cam');
  await sleep(2500);
  const known = new Set(segments());
  sim.server.resume('cam');
  let sentAt: number | undefined;
  while ((sentAt = sim.server.resumedAt('cam')) === undefined) await sleep(5);
  const flvAt = await (async () => {
    for (let i = 0; i < 400; i++) {
      const hit = keyframesAt.find((t) => t >= sentAt!);
      if (hit) return hit;
      await sleep(5);
    }
    return undefined;
  })();
  const hlsAt = await (async () => {
    for (let i = 0; i < 1000; i++) {
      // The first new segment is the one the pause cut short; the second starts with the resumed keyframe.
      if (segments().filter((s) => !known.has(s)).length >= 2) return Date.now();
      await sleep(10);
    }
    return undefined;
  })();
  if (flvAt) flv.push(flvAt - sentAt);
  if (hlsAt) hls.push(hlsAt - sentAt);
  await sleep(1500);
}
req.destroy();
await gw.close();
await sim.stop();
rmSync(dataDir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({
  benchmark: 'live-latency',
  what: 'ms from the simulator sending the first keyframe after a pause to (flv) that keyframe reaching an HTTP-FLV client through the gateway, (hls) the segment that starts with it listed in the playlist (a player adds its own buffer, about 3 segments with hls.js defaults)',
  rounds: ROUNDS,
  flv: { samples: flv, meanMs: round(mean(flv), 0), maxMs: Math.max(...flv) },
  hlsNewSegment: { samples: hls, meanMs: round(mean(hls), 0), maxMs: Math.max(...hls) },
}, null, 2)}\n`);
process.exit(0);
