// Video up to an upper platform, end to end with real components: the camera
// simulator (RTSP), an in-process gateway whose ingest runs it (on demand),
// and UpwardStreams opened in-process on that gateway's video room. The upper
// platform's side is our own receiver (play/rtp-receiver.ts, RFC 4571 framer,
// PS demuxer); ffprobe decodes what it got, both the PS as sent and the
// elementary stream demuxed from it. The camera sees one RTSP reader only;
// a GB28181 channel's device gets one INVITE (the ingest's), not one more.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Logger } from 'pino';
import { startUpwardStreams, type UpwardRoom } from '../gateway/gb28181/upward/index.ts';
import { demuxPackets, startUpperMedia, type UpperMedia } from '../gateway/gb28181/upward/test-receiver.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { addGbDevice, GB_VIDEO_ARGS, platformOf } from './helpers/gb28181.ts';
import { CLIP_DIR, countFrames, ffprobe, startVideoGateway, statusOf, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';
import { ensureGbClip, GbSimHost } from './sim/gbsim/index.ts';

const SSRC = '0340200001';

/** The elementary stream an upper received, as a file ffprobe reads; and the PS as it came. */
function files(t: TestGateway, name: string, rx: UpperMedia): { es: string; ps: string; frames: number } {
  const frames = demuxPackets(rx.packets);
  const es = join(t.dataDir, `${name}.h264`);
  const ps = join(t.dataDir, `${name}.mpg`);
  writeFileSync(es, Buffer.concat(frames.map((f) => f.data)));
  writeFileSync(ps, Buffer.concat(rx.packets.map((p) => p.payload)));
  return { es, ps, frames: frames.length };
}

describe('GB28181 upward media: a channel\'s ingest sent up as PS over RTP', () => {
  let sim: CameraSimulator;
  let t: TestGateway;
  let upward: UpwardRoom;
  const ended: Array<[string, string]> = [];
  /** The most RTSP readers the camera had at any poll. */
  let mostReaders = 0;
  let poll: NodeJS.Timeout;

  before(async () => {
    sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'cam', clip: 'h264-360p' }] });
    await sim.waitReady('cam', 60_000);
    t = await startVideoGateway(GB_VIDEO_ARGS);
    const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-1', name: 'cam-1', kind: 'rtsp', source: { url: sim.url('cam') }, mode: 'on-demand' } });
    assert.equal(res.statusCode, 201, res.body);
    const video = t.gw.video!;
    upward = startUpwardStreams({ host: '127.0.0.1', announceAddress: '127.0.0.1', media: { portMin: 0, portMax: 0 } }, {
      registry: t.gw.service, video, log: t.gw.app.log as unknown as Logger, // pino underneath: lines land in t.logs()
      timing: { startTimeoutMs: 40_000, touchEveryMs: 2000 },
    });
    upward.onEnded((callId, reason) => ended.push([callId, reason]));
    poll = setInterval(() => (mostReaders = Math.max(mostReaders, sim.server.stats().players.cam ?? 0)), 100);
  });
  let gbHost: GbSimHost | undefined;
  after(async () => {
    clearInterval(poll);
    upward?.stop();
    await gbHost?.close();
    await t?.stop();
    await sim?.stop();
  });

  test('an on-demand channel started by the INVITE; UDP and TCP passive at once from one ingest; ffprobe decodes both; released after', async () => {
    await waitFor(async () => (await statusOf(t, 'cam-1')).state === 'idle' || undefined, 10_000, 'cam-1 idle before');
    const udp = await startUpperMedia('udp', Number(SSRC));
    const tcp = await startUpperMedia('tcp-connect', Number(SSRC));
    const a = await upward.open({ callId: 'udp-1', upperId: '34010000002000000001', channelId: 'cam-1', offer: { transport: 'udp', address: '127.0.0.1', port: udp.port, ssrc: SSRC } });
    assert.deepEqual([a.transport, a.ssrc, a.address], ['udp', SSRC, '127.0.0.1']);
    const b = await upward.open({ callId: 'tcp-1', upperId: '34010000002000000001', channelId: 'cam-1', offer: { transport: 'tcp', setup: 'active', address: '127.0.0.1', port: 0, ssrc: SSRC } });
    assert.deepEqual([b.transport, b.setup], ['tcp', 'passive']);
    await waitFor(async () => (await statusOf(t, 'cam-1')).state === 'online' || undefined, 5000, 'the INVITE started the channel');
    upward.start('udp-1');
    upward.start('tcp-1');
    await tcp.connect(b.port);
    await waitFor(() => demuxPackets(udp.packets).length >= 100 && demuxPackets(tcp.packets).length >= 100 || undefined, 30_000, '4 s of video at both');
    assert.equal(upward.stats().feeds, 1, 'one read of the ingest for both sessions');
    const views = upward.sessions();
    assert.deepEqual(views.map((s) => s.transport).sort(), ['tcp-passive', 'udp']);
    assert.ok(views.every((s) => s.packetsSent > 100 && s.bytesSent > 50_000));
    upward.close('udp-1', 'BYE');
    upward.close('tcp-1', 'BYE');

    for (const [name, rx] of [['udp', udp], ['tcp', tcp]] as const) {
      const got = files(t, name, rx);
      assert.ok(rx.packets.every((p) => p.payloadType === 96 && p.ssrc === Number(SSRC) && p.payload.length + 12 <= 1400), name);
      const es = await ffprobe(got.es, ['-f', 'h264']);
      assert.deepEqual([es[0]?.codec_name, es[0]?.width, es[0]?.height], ['h264', 640, 360], `${name}: elementary stream`);
      assert.ok((await countFrames(got.es)) >= got.frames - 1, `${name}: ffmpeg decodes every frame (${got.frames})`);
      const ps = await ffprobe(got.ps, ['-f', 'mpeg']);
      assert.deepEqual([ps[0]?.codec_name, ps[0]?.width, ps[0]?.height], ['h264', 640, 360], `${name}: the PS as sent`);
    }
    assert.equal(mostReaders, 1, 'the camera had one RTSP reader: the ingest');
    assert.deepEqual(ended, []);
    // Released: nobody asks for the on-demand channel any more, so it rests again after the idle time (6 s).
    await waitFor(async () => (await statusOf(t, 'cam-1')).state === 'idle' || undefined, 30_000, 'cam-1 idle after');
    udp.close();
    tcp.close();
  });

  test('TCP active (we connect to the upper); the ingest stopping ends the session by itself', async () => {
    const rx = await startUpperMedia('tcp-listen', Number(SSRC));
    const answer = await upward.open({ callId: 'act-1', upperId: '34010000002000000001', channelId: 'cam-1', offer: { transport: 'tcp', setup: 'passive', address: '127.0.0.1', port: rx.port, ssrc: SSRC } });
    assert.equal(answer.setup, 'active');
    upward.start('act-1');
    await waitFor(() => demuxPackets(rx.packets).length >= 50 || undefined, 30_000, '2 s of video');
    const es = files(t, 'active', rx).es;
    assert.equal((await ffprobe(es, ['-f', 'h264']))[0]?.codec_name, 'h264');
    // The engineer disables the channel: its ingest stops, and the upper is told (BYE from the cascade).
    const res = await t.call('engineer', { method: 'PATCH', url: '/api/channels/cam-1', payload: { enabled: false } });
    assert.equal(res.statusCode, 200, res.body);
    const [, reason] = await waitFor(() => ended.find(([id]) => id === 'act-1'), 30_000, 'the session ended');
    assert.match(reason, /ingest stopped|no video/);
    assert.deepEqual(upward.sessions(), []);
    assert.equal(mostReaders, 1);
    rx.close();
  });

  test('a GB28181 channel goes up from its own ingest: the device is INVITEd once, by the ingest', async () => {
    gbHost = await GbSimHost.start({ platform: platformOf({ sipPort: t.gw.gb28181!.ports.sip }) });
    await addGbDevice(t, { id: '34020000001320000201', password: 'dev-pass', mediaTransport: 'udp' });
    const dev = gbHost.addDevice({ deviceId: '34020000001320000201', password: 'dev-pass', channels: 1, clip: await ensureGbClip(), keepaliveSeconds: 0.5 });
    assert.equal((await dev.register()).status, 200);
    dev.startKeepalive();
    const channelId = dev.channelIds[0]!;
    await waitFor(async () => (await t.call('operator', { method: 'GET', url: `/api/channels/${channelId}` })).statusCode === 200 || undefined, 10_000, 'catalog channel');
    const rx = await startUpperMedia('udp', Number(SSRC));
    await upward.open({ callId: 'gb-1', upperId: '34010000002000000001', channelId, offer: { transport: 'udp', address: '127.0.0.1', port: rx.port, ssrc: SSRC } });
    upward.start('gb-1');
    await waitFor(() => demuxPackets(rx.packets).length >= 50 || undefined, 30_000, '2 s of video');
    upward.close('gb-1', 'BYE');
    const got = files(t, 'gb', rx);
    const es = await ffprobe(got.es, ['-f', 'h264']);
    assert.deepEqual([es[0]?.codec_name, es[0]?.width, es[0]?.height], ['h264', 640, 360]);
    assert.equal(dev.received.invites, 1, 'one INVITE: the ingest\'s');
    dev.stopKeepalive();
    rx.close();
  });
});
