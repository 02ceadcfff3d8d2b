// s=Playback from above for an RTSP channel: the gateway's own footage (three
// 4 s MPEG-TS segments made by ffmpeg, in a real SQLite recording index) read
// by ffmpeg and relayed up through the real upward sender; the upper demuxes
// the PS and ffprobe decodes it. INFO Scale and seek start ffmpeg again from
// the position; the end of the footage comes up as MediaStatus 121, then BYE.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { openSqliteIndex } from '../../recording/store/sqlite-index.ts';
import { MediaPorts } from '../media-ports.ts';
import { createUpwardStreams } from '../upward/index.ts';
import { demuxPackets, startUpperMedia } from '../upward/test-receiver.ts';
import { ownFootage } from './own-playback.ts';
import { startLower, upperEntry } from './test-lower.ts';
import { TestUpper } from './test-upper.ts';

const run = promisify(execFile);
const open: Array<{ close(): unknown }> = [];
after(async () => {
  for (const o of open.reverse()) await o.close();
});

const BASE = Math.floor(Date.now() / 1000) * 1000 - 3600_000;
const SEGMENT_MS = 4000;

test('s=Playback of an RTSP channel from the gateway\'s own footage: decoded at the upper, PTS from the range start; Scale and seek; MediaStatus 121 then BYE at the end; no footage 404', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'own-playback-'));
  open.push({ close: () => rmSync(dir, { recursive: true, force: true }) });
  const index = openSqliteIndex(join(dir, 'recordings.db'));
  open.push({ close: () => index.close() });
  const upper = await TestUpper.start('Up-Secret-123');
  open.push(upper);
  const lower = await startLower([upperEntry(upper.port)]);
  open.push(lower);
  const upward = createUpwardStreams({
    channels: lower.registry, video: { touch: async () => undefined, status: () => undefined }, live: undefined,
    ports: new MediaPorts(0, 0), bindHost: '127.0.0.1', announceAddress: '127.0.0.1', log: pino({ level: 'silent' }),
  });
  open.push({ close: () => upward.stop() });
  lower.cascade.useUpward(upward);
  const cam = await lower.addRtsp('cam');
  const code = await upper.until('code', () => lower.cascade.book.get(cam)?.code);
  await upper.until('registered', () => lower.cascade.status()[0]!.state === 'registered');

  // Three 4 s segments, 25 fps, a keyframe each second, as the recorder leaves them.
  mkdirSync(join(dir, cam), { recursive: true });
  for (let i = 0; i < 3; i++) {
    const rel = join(cam, `${BASE + i * SEGMENT_MS}.ts`);
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=25`, '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-bf', '0', '-pix_fmt', 'yuv420p', '-f', 'mpegts', join(dir, rel)]);
    await index.addSegment({ channelId: cam, startMs: BASE + i * SEGMENT_MS, endMs: BASE + (i + 1) * SEGMENT_MS, bytes: statSync(join(dir, rel)).size, path: rel, nodeId: 'local', keyframeFirst: true, class: 'continuous', source: 'gateway' });
  }
  lower.cascade.useRecordings(ownFootage({ index, paths: { absolute: (rel) => join(dir, rel) } }, 'ffmpeg'));

  const ssrc = '1310100011';
  const media = await startUpperMedia('udp', Number(ssrc));
  open.push(media);
  const sec = (ms: number) => Math.floor(ms / 1000);
  const offer = (from: number, to: number) => ['v=0', 'o=31000000002000000001 0 0 IN IP4 127.0.0.1', 's=Playback', `u=${code}:0`, 'c=IN IP4 127.0.0.1', `t=${sec(from)} ${sec(to)}`, `m=video ${media.port} RTP/AVP 96`, `y=${ssrc}`, ''].join('\r\n');
  const remote = lower.remote('udp');

  const none = await upper.invite(remote, code, offer(BASE - 600_000, BASE - 60_000));
  assert.equal(none.res.status, 404);
  assert.match(none.res.reason, /no recording/);

  // From 2 s into the first segment to the end of the third: 10 s of footage.
  const { res, req } = await upper.invite(remote, code, offer(BASE + 2000, BASE + 3 * SEGMENT_MS));
  assert.equal(res.status, 200, res.reason);
  assert.match(res.body.toString('utf8'), /^s=Playback\r$/m);
  upper.ack(remote, req, res);
  const first = await upper.until('25 frames', () => demuxPackets(media.packets).length >= 25 && demuxPackets(media.packets), 30_000);
  assert.ok(first[0]!.keyframe);
  assert.ok(first.every((f) => f.pts !== undefined && f.pts < 3 * 90_000), `PTS from the range's start: ${first.map((f) => f.pts).slice(0, 5).join(',')}`);
  // Sent at the playback's pace, not as fast as the files are read: 1.5 s more of video takes at least 1 s (a busy machine only makes it longer).
  const paceFrom = Date.now();
  const lastPts = () => Math.max(...demuxPackets(media.packets).map((f) => f.pts ?? 0));
  const startPts = lastPts();
  await upper.until('1.5 s more of video', () => lastPts() >= startPts + 1.5 * 90_000, 30_000);
  assert.ok(Date.now() - paceFrom >= 1000, `1.5 s of video came in ${Date.now() - paceFrom} ms`);

  const info = (body: string, cseq: number) => upper.info(remote, req, res, body, cseq);
  assert.equal((await info('PLAY RTSP/1.0\r\nCSeq: 1\r\nScale: 4\r\n\r\n', 3)).status, 200);
  assert.equal((await info('PLAY RTSP/1.0\r\nCSeq: 2\r\nRange: npt=7-\r\n\r\n', 4)).status, 200);
  assert.equal((await info('PLAY RTSP/1.0\r\nCSeq: 3\r\nRange: npt=60-\r\n\r\n', 5)).status, 400, 'past the footage');
  await upper.until('frames from 7 s on', () => demuxPackets(media.packets).some((f) => (f.pts ?? 0) >= 7 * 90_000), 30_000);

  const callId = req.headers.get('Call-ID');
  const bye = await upper.until('BYE at the end', () => upper.received.find((r) => r.method === 'BYE' && r.req.headers.get('Call-ID') === callId), 30_000);
  const status = upper.received.find((r) => r.msg?.cmdType === 'MediaStatus');
  assert.ok(status && status.at <= bye.at && status.msg!.deviceId === code, 'MediaStatus 121 under the channel code, before the BYE');
  const frames = demuxPackets(media.packets);
  assert.ok(frames.every((f) => (f.pts ?? 0) <= 10.1 * 90_000), `nothing past the range: ${frames.map((f) => ((f.pts ?? 0) / 90_000).toFixed(2)).join(' ')}`);

  const file = join(dir, 'up.mpg');
  writeFileSync(file, Buffer.concat(media.packets.map((p) => p.payload)));
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,nb_read_frames', '-of', 'csv=p=0', file]);
  const [codec, width, decoded] = stdout.trim().split('\n')[0]!.split(',');
  assert.deepEqual([codec, width], ['h264', '320']);
  assert.ok(Number(decoded) >= frames.length * 0.9, `ffprobe decoded ${decoded} of ${frames.length}`);
  assert.equal(lower.cascade.calls.size, 0);
});
