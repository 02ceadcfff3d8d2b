// An upper platform's s=Playback / s=Download INVITE through the cascade and
// the real upward sender (loopback RTP), with a stand-in for the device
// playbacks (records/history-sessions.ts; against a real device simulator:
// test/gb28181-cascade-playback.test.ts): frames from the device's 200 on
// reach the upper; INFO goes down or is refused; the device's end goes up as
// MediaStatus 121 then BYE; the device side's refusals keep their status.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { SYSTEM_ACTOR } from '../../../device-registry/index.ts';
import { MediaPorts } from '../media-ports.ts';
import type { HistoryRequest, HistorySession } from '../records/history-sessions.ts';
import { END_OF_FILE } from '../records/history-sessions.ts';
import type { PlaybackControl } from '../records/mansrtsp.ts';
import { RelayError } from '../relay.ts';
import { createUpwardStreams, type PushedFrame } from '../upward/index.ts';
import { demuxPackets, startUpperMedia } from '../upward/test-receiver.ts';
import { startLower, upperEntry, type TestLower } from './test-lower.ts';
import { TestUpper } from './test-upper.ts';
import type { DevicePlaybacks } from './upper-playback.ts';

const SHARED = '31010100001310000001';
const NOT_SHARED = '31010100001310000002';
const open: Array<{ close(): unknown }> = [];
after(async () => {
  for (const o of open.reverse()) await o.close();
});

/** A device playback as far as the cascade sees it: its id, state, and its LiveSession's end. */
class StandInSession {
  readonly id: string;
  endedWhy: string | undefined;
  private readonly listeners: Array<(why: string) => void> = [];
  readonly live = {
    closedWhy: undefined as string | undefined,
    onClosed: (l: (why: string) => void) => void this.listeners.push(l),
    close: (why: string) => {
      if (this.live.closedWhy) return;
      this.live.closedWhy = this.endedWhy = why;
      for (const l of this.listeners) l(why);
    },
  };

  constructor(n: number) {
    this.id = `ch~pb~${n}`;
  }

  get state() {
    return this.endedWhy ? 'ended' : 'playing';
  }
}

class StandInPlaybacks implements DevicePlaybacks {
  readonly opened: HistoryRequest[] = [];
  readonly controls: PlaybackControl[] = [];
  readonly sessions: StandInSession[] = [];
  /** The next open() throws this (the device refused, too many sessions …). */
  refuse: Error | undefined;
  relay: ((f: PushedFrame) => void) | undefined;

  async open(_channelId: string, r: HistoryRequest, options: { relay: (f: PushedFrame) => void }) {
    this.opened.push(r);
    const refusal = this.refuse;
    this.refuse = undefined;
    if (refusal) throw refusal;
    this.relay = options.relay;
    // The device sends right after its 200, before the upper has its answer.
    options.relay(frame(0, true));
    options.relay(frame(1, false));
    const s = new StandInSession(this.sessions.length + 1);
    this.sessions.push(s);
    return s as unknown as HistorySession;
  }

  async control(_s: HistorySession, c: PlaybackControl) {
    this.controls.push(c);
    return 200;
  }

  close(s: HistorySession, why: string) {
    (s as unknown as StandInSession).live.close(why);
  }
}

/** A small H.264 access unit (IDR or not) with its PTS, 25 fps. */
function frame(n: number, keyframe: boolean): PushedFrame {
  const nal = keyframe ? [0x65, 0x88, 0x84] : [0x41, 0x9a, 0x02];
  return { codec: 'h264', data: Buffer.from([0, 0, 0, 1, ...nal, n & 0xff, ...Array.from({ length: 200 }, (_, i) => (i * 7 + n) & 0xff)]), pts: 90_000 + n * 3600, keyframe };
}

function offer(session: string, port: number, ssrc: string, extra: string[] = [], t = 't=1767225600 1767229200'): string {
  return ['v=0', 'o=31000000002000000001 0 0 IN IP4 127.0.0.1', `s=${session}`, `u=${SHARED}:0`, 'c=IN IP4 127.0.0.1', t, `m=video ${port} RTP/AVP 96`, ...extra, `y=${ssrc}`, ''].join('\r\n');
}

async function setup(): Promise<{ upper: TestUpper; lower: TestLower; playbacks: StandInPlaybacks }> {
  const upper = await TestUpper.start('Up-Secret-123');
  open.push(upper);
  const playbacks = new StandInPlaybacks();
  const lower = await startLower([upperEntry(upper.port, { share: { channels: ['gb-shared'] } })], {
    playbacks,
    beforeStart: async (registry) => {
      for (const [id, channelId] of [['gb-shared', SHARED], ['gb-other', NOT_SHARED]] as const) {
        await registry.create('channels', { id, kind: 'gb28181', name: id, source: { deviceId: '31010100001180000001', channelId } }, SYSTEM_ACTOR);
      }
    },
  });
  open.push(lower);
  const upward = createUpwardStreams({
    channels: lower.registry, video: { touch: async () => undefined, status: () => undefined }, live: undefined,
    ports: new MediaPorts(0, 0), bindHost: '127.0.0.1', announceAddress: '127.0.0.1', log: pino({ level: 'silent' }),
  });
  open.push({ close: () => upward.stop() });
  lower.cascade.useUpward(upward);
  await upper.until('registered', () => lower.cascade.status()[0]!.state === 'registered');
  return { upper, lower, playbacks };
}

test('s=Playback: the device\'s frames from its 200 on reach the upper as PS/RTP with their PTS; INFO goes down; the end of file goes up as MediaStatus 121, then BYE', { timeout: 30_000 }, async () => {
  const { upper, lower, playbacks } = await setup();
  const ssrc = '1310100001';
  const media = await startUpperMedia('udp', Number(ssrc));
  open.push(media);
  const { res, req } = await upper.invite(lower.remote('udp'), SHARED, offer('Playback', media.port, ssrc));
  assert.equal(res.status, 200, res.reason);
  assert.match(res.body.toString('utf8'), /^s=Playback\r$/m);
  assert.match(res.body.toString('utf8'), new RegExp(`^y=${ssrc}\r$`, 'm'));
  assert.deepEqual(playbacks.opened[0], { from: 1767225600_000, to: 1767229200_000, mode: 'Playback' });
  upper.ack(lower.remote('udp'), req, res);
  for (let n = 2; n < 30; n++) playbacks.relay!(frame(n, n % 25 === 0));
  const frames = await upper.until('30 frames', () => demuxPackets(media.packets).length >= 30 && demuxPackets(media.packets));
  assert.deepEqual(frames.map((f) => f.pts), Array.from({ length: 30 }, (_, n) => 90_000 + n * 3600), 'every frame, the two sent before the ACK first');
  assert.ok(frames[0]!.keyframe);
  assert.ok(media.packets.every((p) => p.ssrc === Number(ssrc)));

  const info = (body: string, cseq: number) => upper.info(lower.remote('udp'), req, res, body, cseq);
  assert.equal((await info('PLAY RTSP/1.0\r\nCSeq: 1\r\nRange: npt=30-\r\n\r\n', 3)).status, 200);
  assert.equal((await info('PLAY RTSP/1.0\r\nCSeq: 2\r\nScale: 2.0\r\n\r\n', 4)).status, 200);
  assert.deepEqual(playbacks.controls, [{ action: 'seek', seconds: 30 }, { action: 'speed', scale: 2 }]);
  const bad = await info('TEARDOWN RTSP/1.0\r\nCSeq: 3\r\n\r\n', 5);
  assert.equal(bad.status, 400);
  assert.equal((await info('PLAY RTSP/1.0\r\nCSeq: 4\r\nScale: 3\r\n\r\n', 6)).status, 400, 'a speed devices do not play');
  assert.equal(playbacks.controls.length, 2);
  const stray = await upper.invite(lower.remote('udp'), SHARED, offer('Playback', media.port, '1310100009'));
  upper.ack(lower.remote('udp'), stray.req, stray.res);

  playbacks.sessions[0]!.live.close(END_OF_FILE);
  const callId = req.headers.get('Call-ID');
  const bye = await upper.until('BYE up', () => upper.received.find((r) => r.method === 'BYE' && r.req.headers.get('Call-ID') === callId));
  const status = upper.received.find((r) => r.msg?.cmdType === 'MediaStatus');
  assert.ok(status && status.at <= bye.at, 'MediaStatus 121 first');
  assert.equal(status.msg!.deviceId, SHARED);
  assert.match(status.req.body.toString('utf8'), /<NotifyType>121<\/NotifyType>/);
  assert.equal(lower.cascade.calls.size, 1, 'the other playback goes on');

  // The upper hangs up the other: the device's playback is closed (BYE down), and no MediaStatus comes up for it.
  assert.equal((await upper.bye(lower.remote('udp'), stray.req, stray.res)).status, 200);
  assert.equal(playbacks.sessions[1]!.live.closedWhy, 'the upper platform hung up');
  assert.equal(upper.received.filter((r) => r.msg?.cmdType === 'MediaStatus').length, 1);
  assert.equal(lower.cascade.calls.size, 0);
  assert.equal((await info('PAUSE RTSP/1.0\r\nCSeq: 5\r\n\r\n', 7)).status, 481, 'INFO after the end');
});

test('s=Download passes a=downloadspeed down; refusals: not shared 403, unknown code 404, the device side\'s 404/503/504 kept, no t= or a live SSRC or s=Talk 488', { timeout: 30_000 }, async () => {
  const { upper, lower, playbacks } = await setup();
  const remote = lower.remote('udp');
  const media = await startUpperMedia('udp', 1310100002);
  open.push(media);
  const dl = await upper.invite(remote, SHARED, offer('Download', media.port, '1310100002', ['a=downloadspeed:4']));
  assert.equal(dl.res.status, 200, dl.res.reason);
  assert.match(dl.res.body.toString('utf8'), /^s=Download\r$/m);
  assert.deepEqual(playbacks.opened.at(-1), { from: 1767225600_000, to: 1767229200_000, mode: 'Download', downloadSpeed: 4 });
  await upper.bye(remote, dl.req, dl.res);

  const status = async (body: string, code = SHARED) => {
    const { res } = await upper.invite(remote, code, body);
    return [res.status, res.reason] as const;
  };
  assert.equal((await status(offer('Playback', media.port, '1310100003'), NOT_SHARED))[0], 403);
  assert.equal((await status(offer('Playback', media.port, '1310100003'), '31010100001310009999'))[0], 404);
  const opened = playbacks.opened.length;
  assert.match((await status(offer('Playback', media.port, '1310100003', [], 't=0 0')))[1], /t=/);
  assert.equal((await status(offer('Playback', media.port, '0310100003')))[0], 488, 'a live SSRC for a playback');
  assert.equal((await status(offer('Talk', media.port, '1310100003')))[0], 488);
  assert.equal(playbacks.opened.length, opened, 'nothing asked of the device');

  playbacks.refuse = new RelayError(502, 'INVITE refused by the device: 404 Not Found (no recording in that range)');
  const none = await status(offer('Playback', media.port, '1310100004'));
  assert.equal(none[0], 404);
  assert.match(none[1], /no recording in that range/);
  playbacks.refuse = new RelayError(503, '32 device playbacks and downloads are running: stop one first');
  assert.deepEqual((await status(offer('Playback', media.port, '1310100005')))[0], 503, 'too many');
  playbacks.refuse = new RelayError(504, 'device 31010100001180000001 did not answer the INVITE within 20 s');
  assert.deepEqual((await status(offer('Playback', media.port, '1310100006')))[0], 504);
  assert.equal(lower.cascade.calls.size, 0);
});

test('s=Playback over TCP (the upper listens, we connect on ACK): the frames from the last keyframe on, then every frame', { timeout: 30_000 }, async () => {
  const { upper, lower, playbacks } = await setup();
  const ssrc = '1310100021';
  const media = await startUpperMedia('tcp-listen', Number(ssrc));
  open.push(media);
  const sdp = offer('Playback', media.port, ssrc).replace('RTP/AVP 96', 'TCP/RTP/AVP 96').replace(`y=${ssrc}`, `a=setup:passive\r\na=connection:new\r\ny=${ssrc}`);
  const { res, req } = await upper.invite(lower.remote('udp'), SHARED, sdp);
  assert.equal(res.status, 200, res.reason);
  assert.match(res.body.toString('utf8'), /^a=setup:active\r$/m);
  upper.ack(lower.remote('udp'), req, res);
  await upper.until('the ACK taken', () => lower.cascade.calls.list()[0]?.acked);
  // Frames keep coming after the connection: the session sends them once it is up.
  for (let n = 2; n < 60; n++) {
    playbacks.relay!(frame(n, n % 25 === 0));
    await new Promise((r) => setTimeout(r, 5));
  }
  const frames = await upper.until('frames over TCP', () => demuxPackets(media.packets).length >= 30 && demuxPackets(media.packets));
  assert.ok(frames[0]!.keyframe, 'starts at a keyframe');
  const pts = frames.map((f) => f.pts!);
  assert.deepEqual(pts, [...pts].sort((a, b) => a - b), 'in order');
  assert.equal(pts.at(-1), 90_000 + 59 * 3600, 'up to the last frame sent');
  assert.equal((await upper.bye(lower.remote('udp'), req, res)).status, 200);
  assert.equal(playbacks.sessions[0]!.live.closedWhy, 'the upper platform hung up');
});
