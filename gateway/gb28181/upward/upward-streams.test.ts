// UpwardStreams over real loopback sockets, fed by a stand-in for
// node-media-server's HTTP-FLV (test-flv.ts; no ffmpeg here — the end-to-end
// test runs the real ingest): what the upper platform receives over UDP, TCP
// with us connecting, and TCP with it connecting; one feed shared by two
// sessions; the refusals (404, 488, 503); sessions that end by themselves.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import { GwError } from '../../../device-registry/errors.ts';
import type { StoredRow } from '../../../device-registry/index.ts';
import { MediaPorts } from '../media-ports.ts';
import { createUpwardStreams, sipStatusOf, type UpwardOffer } from './index.ts';
import { registerUpwardMetrics } from './metrics.ts';
import type { UpwardDeps } from './upward-streams.ts';
import { startFlvStandIn, type FlvStandIn, type FlvStyle } from './test-flv.ts';
import { demuxPackets, startUpperMedia, until, type UpperMedia } from './test-receiver.ts';

const SSRC = '0100000001';
const log = pino({ level: 'silent' });

/** The narrow registry and video-manager views the module reads, recording what it asked. */
function neighbours(state: { status?: { state: string; reason?: string; running?: boolean } } = {}) {
  const touches: string[] = [];
  const row = (id: string) => ({ id, doc: { id, kind: 'rtsp', enabled: true } }) as unknown as StoredRow;
  const channels: UpwardDeps['channels'] = { getStored: async (_e, id) => (id.startsWith('cam-') ? row(id) : undefined) };
  const video: UpwardDeps['video'] = {
    touch: async (id) => void touches.push(id),
    status: () => state.status ?? { state: 'online', running: true },
  };
  return { channels, video, touches };
}

function room(flv: FlvStandIn | undefined, extra: Partial<UpwardDeps> = {}, timing: UpwardDeps['timing'] = {}) {
  const n = neighbours();
  const upward = createUpwardStreams({
    channels: n.channels, video: n.video, live: flv, ports: new MediaPorts(0, 0), bindHost: '127.0.0.1', announceAddress: '192.0.2.10', log,
    timing: { startTimeoutMs: 5000, touchEveryMs: 200, stallMs: 3000, ...timing }, ...extra,
  });
  const ended: Array<[string, string]> = [];
  upward.onEnded((callId, reason) => ended.push([callId, reason]));
  return { upward, ended, touches: n.touches };
}

/** What the upper got: frames in order from a keyframe on, each the stand-in's frame, 40 ms apart, with sane RTP. */
function checkReceived(flv: FlvStandIn, rx: UpperMedia, codec: 'h264' | 'h265', minFrames: number): void {
  const packets = rx.packets;
  assert.ok(packets.every((p) => p.payloadType === 96 && p.ssrc === Number(SSRC) && p.payload.length + 12 <= 1400));
  for (let i = 1; i < packets.length; i++) assert.equal(packets[i]!.seq, (packets[i - 1]!.seq + 1) & 0xffff, 'no gap in sequence');
  // One timestamp per frame, the marker on its last packet.
  for (let i = 0; i + 1 < packets.length; i++) assert.equal(packets[i]!.marker, packets[i + 1]!.timestamp !== packets[i]!.timestamp, `marker at ${i}`);
  const frames = demuxPackets(packets);
  assert.ok(frames.length >= minFrames, `${frames.length} frames`);
  assert.ok(frames[0]!.keyframe, 'starts at a keyframe');
  assert.ok(frames.every((f) => f.codec === codec));
  let base = 0;
  while (base < 100_000 && !flv.expected(base).equals(frames[0]!.data)) base += 25;
  assert.ok(base < 100_000, 'the first frame is one the ingest sent');
  frames.forEach((f, j) => assert.ok(f.data.equals(flv.expected(base + j)), `frame ${j} intact`));
  frames.slice(1).forEach((f, j) => assert.equal(f.pts! - frames[j]!.pts!, 3600, 'PTS 40 ms apart'));
  const firstOfFrame = packets.filter((p, i) => i === 0 || packets[i - 1]!.marker);
  assert.deepEqual(firstOfFrame.slice(0, frames.length).map((p) => p.timestamp), frames.map((f) => f.pts! % 2 ** 32));
}

describe('UpwardStreams', () => {
  let flv: FlvStandIn;
  before(async () => (flv = await startFlvStandIn('avc')));
  after(() => flv.close());

  const cases: Array<[string, 'udp' | 'tcp-listen' | 'tcp-connect', Omit<UpwardOffer, 'address' | 'port'>, Record<string, unknown>]> = [
    ['UDP', 'udp', { transport: 'udp', ssrc: SSRC }, { transport: 'udp' }],
    ['TCP, we connect (the upper offers setup:passive)', 'tcp-listen', { transport: 'tcp', setup: 'passive', ssrc: SSRC }, { transport: 'tcp', setup: 'active' }],
    ['TCP, the upper connects (it offers setup:active)', 'tcp-connect', { transport: 'tcp', setup: 'active', ssrc: SSRC }, { transport: 'tcp', setup: 'passive' }],
  ];
  for (const [name, kind, offer, answered] of cases) {
    it(`${name}: the channel's frames as PS over RTP from a keyframe on; close frees port and feed`, async () => {
      const { upward, touches } = room(flv);
      const rx = await startUpperMedia(kind, Number(SSRC));
      const answer = await upward.open({ callId: `c-${kind}`, upperId: 'up-1', channelId: 'cam-1', offer: { ...offer, address: '127.0.0.1', port: rx.port } });
      assert.deepEqual({ ...answer, port: undefined }, { address: '192.0.2.10', ssrc: SSRC, port: undefined, ...answered });
      assert.ok(answer.port > 0);
      assert.equal(rx.packets.length, 0, 'nothing before ACK');
      upward.start(`c-${kind}`);
      if (kind === 'tcp-connect') await rx.connect(answer.port);
      await until(() => demuxPackets(rx.packets).length >= 30, 10_000, '30 frames');
      const [view] = upward.sessions();
      assert.deepEqual([view?.callId, view?.upperId, view?.channelId, view?.transport], [`c-${kind}`, 'up-1', 'cam-1', kind === 'udp' ? 'udp' : kind === 'tcp-listen' ? 'tcp-active' : 'tcp-passive']);
      assert.ok(view!.packetsSent >= rx.packets.length - 5 && view!.bytesSent > 0);
      upward.close(`c-${kind}`, 'BYE');
      checkReceived(flv, rx, 'h264', 30);
      assert.deepEqual(upward.sessions(), []);
      assert.equal(upward.stats().feeds, 0);
      await until(() => flv.open === 0, 3000, 'the FLV read closed');
      const touched = touches.length;
      assert.ok(touched >= 1);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(touches.length, touched, 'no longer asked for');
      const got = rx.packets.length;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(rx.packets.length, got, 'nothing after close');
      rx.close();
    });
  }

  it('two sessions of one channel share one read of the ingest; one closing leaves the other running', async () => {
    const { upward } = room(flv);
    const before = flv.requests;
    const a = await startUpperMedia('udp', Number(SSRC));
    const b = await startUpperMedia('udp', Number(SSRC));
    await upward.open({ callId: 'a', upperId: 'up-1', channelId: 'cam-1', offer: { transport: 'udp', address: '127.0.0.1', port: a.port, ssrc: SSRC } });
    await upward.open({ callId: 'b', upperId: 'up-2', channelId: 'cam-1', offer: { transport: 'udp', address: '127.0.0.1', port: b.port, ssrc: SSRC } });
    upward.start('a');
    upward.start('b');
    assert.equal(flv.requests - before, 1);
    assert.equal(upward.stats().feeds, 1);
    await until(() => demuxPackets(b.packets).length >= 5, 10_000, 'b receives');
    upward.close('a', 'BYE');
    const atClose = b.packets.length;
    await until(() => b.packets.length > atClose + 20, 10_000, 'b goes on');
    assert.equal(flv.open, 1);
    upward.close('b', 'BYE');
    checkReceived(flv, a, 'h264', 5);
    checkReceived(flv, b, 'h264', 10);
    assert.deepEqual([upward.stats().opened, upward.stats().active, upward.stats().feeds], [2, 0, 0]);
    a.close();
    b.close();
  });

  for (const style of ['hevc-legacy', 'hevc-enhanced'] as FlvStyle[]) {
    it(`H.265 from ${style} FLV goes up as H.265 (PSM stream type 0x24)`, async () => {
      const hevc = await startFlvStandIn(style);
      const { upward } = room(hevc);
      const rx = await startUpperMedia('udp', Number(SSRC));
      await upward.open({ callId: 'h', upperId: 'up-1', channelId: 'cam-1', offer: { transport: 'udp', address: '127.0.0.1', port: rx.port, ssrc: SSRC } });
      upward.start('h');
      await until(() => demuxPackets(rx.packets).length >= 5, 10_000, '5 frames');
      upward.close('h', 'BYE');
      checkReceived(hevc, rx, 'h265', 5);
      rx.close();
      await hevc.close();
    });
  }

  it('refusals: 404 no such channel, 488 an offer we cannot serve, 503 no video (with why)', async () => {
    const { upward } = room(flv, {}, { startTimeoutMs: 1500 });
    const offer: UpwardOffer = { transport: 'udp', address: '127.0.0.1', port: 40000, ssrc: SSRC };
    const refused = async (s: Parameters<typeof upward.open>[0]) => {
      try {
        await upward.open(s);
      } catch (err) {
        assert.ok(err instanceof GwError);
        return [sipStatusOf(err), err.field, err.message];
      }
      assert.fail('opened');
    };
    assert.deepEqual((await refused({ callId: '1', upperId: 'u', channelId: 'nope', offer }))!.slice(0, 2), [404, 'channelId']);
    assert.deepEqual((await refused({ callId: '2', upperId: 'u', channelId: 'cam-1', offer: { ...offer, playback: { startSec: 1, endSec: 2 } } }))!.slice(0, 2), [488, 'offer.playback']);
    assert.deepEqual((await refused({ callId: '3', upperId: 'u', channelId: 'cam-1', offer: { ...offer, ssrc: '99999999999' } }))!.slice(0, 2), [488, 'offer.ssrc']);
    assert.deepEqual((await refused({ callId: '4', upperId: 'u', channelId: 'cam-1', offer: { ...offer, port: 0 } }))!.slice(0, 2), [488, 'offer.port']);
    assert.deepEqual((await refused({ callId: '5', upperId: 'u', channelId: 'cam-1', offer: { ...offer, address: 'upper.example' } }))!.slice(0, 2), [488, 'offer.address']);

    flv.publishing = false; // the ingest never publishes
    try {
      const started = Date.now();
      const [status, , message] = (await refused({ callId: '6', upperId: 'u', channelId: 'cam-1', offer }))!;
      assert.equal(status, 503);
      assert.match(String(message), /no video within 2 s/);
      assert.ok(Date.now() - started >= 1400);
    } finally {
      flv.publishing = true;
    }

    const n = neighbours({ status: { state: 'offline', reason: 'disabled', running: false } });
    const resting = createUpwardStreams({ channels: n.channels, video: n.video, live: flv, ports: new MediaPorts(0, 0), bindHost: '127.0.0.1', announceAddress: '192.0.2.10', log });
    const at = Date.now();
    await assert.rejects(resting.open({ callId: '7', upperId: 'u', channelId: 'cam-1', offer }), (err: GwError) => sipStatusOf(err) === 503 && /does not run \(disabled\)/.test(err.message));
    assert.ok(Date.now() - at < 1000, 'at once, not after the start timeout');

    const off = createUpwardStreams({ channels: n.channels, video: n.video, live: undefined, ports: new MediaPorts(0, 0), bindHost: '127.0.0.1', announceAddress: '192.0.2.10', log });
    await assert.rejects(off.open({ callId: '8', upperId: 'u', channelId: 'cam-1', offer }), (err: GwError) => sipStatusOf(err) === 503 && /FLV server is off/.test(err.message));
    assert.deepEqual(upward.stats().refused, { 404: 1, 488: 4, 503: 1 });
  });

  it('ends by itself, told to onEnded: the ingest stops, the TCP upper hangs up, no ACK comes', async () => {
    const { upward, ended } = room(flv, {}, { ackTimeoutMs: 2000 });
    const udp = await startUpperMedia('udp', Number(SSRC));
    const tcp = await startUpperMedia('tcp-connect', Number(SSRC));
    await upward.open({ callId: 'u', upperId: 'up', channelId: 'cam-1', offer: { transport: 'udp', address: '127.0.0.1', port: udp.port, ssrc: SSRC } });
    const t = await upward.open({ callId: 't', upperId: 'up', channelId: 'cam-2', offer: { transport: 'tcp', setup: 'active', address: '127.0.0.1', port: 0, ssrc: SSRC } });
    upward.start('u');
    upward.start('t');
    await upward.open({ callId: 'n', upperId: 'up', channelId: 'cam-3', offer: { transport: 'udp', address: '127.0.0.1', port: udp.port, ssrc: SSRC } });
    await tcp.connect(t.port);
    await until(() => demuxPackets(tcp.packets).length >= 3, 10_000, 'tcp frames');
    tcp.close();
    await until(() => ended.find(([id]) => id === 't'), 5000, 't ended');
    await until(() => ended.find(([id]) => id === 'n'), 5000, 'n ended');
    await until(() => demuxPackets(udp.packets).length >= 3, 10_000, 'udp frames');
    flv.endAll();
    await until(() => ended.find(([id]) => id === 'u'), 5000, 'u ended');
    assert.deepEqual(Object.fromEntries(ended), {
      t: 'the upper platform closed the media connection',
      n: 'no ACK within 2 s',
      u: 'the ingest stopped',
    });
    assert.deepEqual(upward.sessions(), []);
    assert.equal(upward.stats().endedByThemselves, 3);
    udp.close();
  });
});

describe('upward metrics', () => {
  it('sessions by transport, feeds, opened, refused by status, ended, packets and bytes', async () => {
    const flv = await startFlvStandIn('avc');
    // The usual 5 s for the first keyframe: 1.5 s was missed once at load 29.
    const { upward } = room(flv);
    const registry = new Registry();
    registerUpwardMetrics(registry, upward);
    const rx = await startUpperMedia('udp', Number(SSRC));
    await upward.open({ callId: 'm', upperId: 'up', channelId: 'cam-1', offer: { transport: 'udp', address: '127.0.0.1', port: rx.port, ssrc: SSRC } });
    await assert.rejects(upward.open({ callId: 'x', upperId: 'up', channelId: 'nope', offer: { transport: 'udp', address: '127.0.0.1', port: rx.port } }));
    upward.start('m');
    await until(() => rx.packets.length >= 20, 10_000, 'packets');
    const text = await registry.metrics();
    const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1]);
    assert.equal(value('gateway_gb28181_upward_sessions{transport="udp"}'), 1);
    assert.equal(value('gateway_gb28181_upward_sessions{transport="tcp-passive"}'), 0);
    assert.equal(value('gateway_gb28181_upward_feeds'), 1);
    assert.equal(value('gateway_gb28181_upward_sessions_opened_total'), 1);
    assert.equal(value('gateway_gb28181_upward_sessions_refused_total{status="404"}'), 1);
    assert.ok(value('gateway_gb28181_upward_rtp_packets_total') >= 20);
    assert.ok(value('gateway_gb28181_upward_rtp_bytes_total') > 20 * 100);
    upward.close('m', 'BYE');
    const after = await registry.metrics();
    assert.match(after, /^gateway_gb28181_upward_sessions\{transport="udp"\} 0$/m);
    assert.ok(Number(/^gateway_gb28181_upward_rtp_packets_total (\d+)$/m.exec(after)?.[1]) >= value('gateway_gb28181_upward_rtp_packets_total'), 'totals keep what ended sessions sent');
    rx.close();
    await flv.close();
  });
});
