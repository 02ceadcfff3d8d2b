// A city platform reaches the recordings kept on a district's NVR: the
// district is a gateway process with the device simulator's NVR (recordings,
// a real H.264 clip) registered to it and a city upper platform (TestUpper, in
// process) it registers with. The city INVITEs s=Playback / s=Download for the
// NVR's channel; the district plays the recording back from the NVR and sends
// its frames up as PS over RTP; the city's side keeps the RTP, demuxes it and
// ffprobe decodes it. INFO MANSRTSP seeks, BYE ends the NVR's session, the end
// of the recording comes up as MediaStatus 121 and a BYE.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freeSipPort } from './helpers/gb28181.ts';
import { TestUpper } from '../gateway/gb28181/cascade/test-upper.ts';
import { demuxPackets, startUpperMedia, type UpperMedia } from '../gateway/gb28181/upward/test-receiver.ts';
import type { SipRemote } from '../gateway/gb28181/sip/index.ts';
import { spawnGateway, type GatewayProcess } from './helpers/process.ts';
import { CLIP_DIR, countFrames, ffprobe, waitFor } from './helpers/video.ts';
import { startCameraSimulator } from './sim/camera-sim.ts';
import { localTime } from '../gateway/gb28181/cascade/local-time.ts';
import { childElement, childList, childText, type XmlElement } from '../gateway/gb28181/manscdp/index.ts';
import { ensureGbClip, GbSimHost, type GbDeviceSim, type SimRecording } from './sim/gbsim/index.ts';
import { stayRegistered } from './sim/gbsim/stay-registered.ts';

const DISTRICT_ID = '31010100002000000001';
const NVR_ID = '31010100001180000009';
const LINK_PASSWORD = 'district-to-city-pass';
const adminKey = `gwk_${randomBytes(24).toString('base64url')}`;
const HOUR = 3600_000;
/** Whole seconds (t= carries seconds). */
const DAY = Math.floor(Date.now() / 1000) * 1000 - 24 * HOUR;
const RECORDINGS: SimRecording[] = [0, 1].map((i) => ({ startAt: DAY + i * HOUR, endAt: DAY + i * HOUR + 20 * 60_000, type: 'time' }));
const sec = (ms: number) => Math.floor(ms / 1000);

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function offer(session: string, code: string, port: number, ssrc: string, from: number, to: number, extra: string[] = []): string {
  return [
    'v=0', `o=31000000002000000001 0 0 IN IP4 127.0.0.1`, `s=${session}`, `u=${code}:0`, 'c=IN IP4 127.0.0.1', `t=${sec(from)} ${sec(to)}`,
    `m=video ${port} RTP/AVP 96`, 'a=recvonly', 'a=rtpmap:96 PS/90000', ...extra, `y=${ssrc}`, '',
  ].join('\r\n');
}

describe('GB28181 cascade: an upper platform plays back and downloads a district NVR recording', { timeout: 300_000 }, () => {
  let upper: TestUpper;
  let district: GatewayProcess;
  let url: string;
  let lower: SipRemote;
  let nvr: GbDeviceSim;
  let code: string;
  let rtmpCode: string;

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(url + path, { headers: { authorization: `Bearer ${adminKey}` } });
    assert.equal(res.status, 200, `${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  const media = async (ssrc: string): Promise<UpperMedia> => {
    const m = await startUpperMedia('udp', Number(ssrc));
    cleanups.push(() => m.close());
    return m;
  };
  /** The NVR's streams still open (its side of each playback). */
  const nvrStreams = () => nvr.streams.size;

  before(async () => {
    const clip = await ensureGbClip();
    upper = await TestUpper.start(LINK_PASSWORD);
    cleanups.push(() => upper.close());
    const districtPort = await freeSipPort();
    const dir = mkdtempSync(join(tmpdir(), 'gw-district-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'gateway.yaml'), `gb28181:
  id: "${DISTRICT_ID}"
  domain: "3101010000"
  upper:
    - { id: "31000000002000000001", domain: "3100000000", address: 127.0.0.1, port: ${upper.port}, transport: udp, password: ${LINK_PASSWORD}, keepaliveSeconds: 1, share: { all: true } }
seed:
  gbDevices:
    - { id: "${NVR_ID}", name: 区NVR, password: nvr-pass-0001, mediaTransport: udp }
  channels:
    - { id: drone-rtmp, name: 无人机RTMP, kind: rtmp, source: {} }
`);
    district = spawnGateway([
      '--config', join(dir, 'gateway.yaml'), '--dataDir', dir, '--auth.adminKey', adminKey, '--http.port', '0', '--http.host', '127.0.0.1',
      '--video.rtmp.port', '0', '--sensors.enabled', 'false', '--detection.enabled', 'false', '--videoQuality.enabled', 'false',
      '--gb28181.port', String(districtPort), '--gb28181.host', '127.0.0.1', '--gb28181.announceAddress', '127.0.0.1',
      '--gb28181.keepalive.intervalSeconds', '1', '--gb28181.keepalive.missed', '3', '--gb28181.media.portMin', '0', '--gb28181.media.portMax', '0',
      '--gb28181.inviteTimeoutSeconds', '20', '--gb28181.media.rtpTimeoutSeconds', '10', '--recording.segmentSeconds', '2',
    ]);
    cleanups.push(async () => {
      if (district.proc.exitCode === null) {
        district.proc.kill('SIGTERM');
        await district.exit;
      }
    });
    url = await district.listening();
    lower = { transport: 'udp', address: '127.0.0.1', port: districtPort };

    const host = await GbSimHost.start({ platform: { host: '127.0.0.1', port: districtPort, id: DISTRICT_ID, domain: '3101010000' } });
    cleanups.push(() => host.close());
    nvr = host.addDevice({ deviceId: NVR_ID, password: 'nvr-pass-0001', channels: 1, clip, keepaliveSeconds: 1, recordings: RECORDINGS });
    const staying = stayRegistered(nvr, () => undefined, 1000);
    cleanups.push(() => staying.stop());
    code = nvr.channelIds[0]!;
    await upper.until('the district registered', () => upper.registered, 90_000);
    await waitFor(async () => (await fetch(`${url}/api/channels/${code}`, { headers: { authorization: `Bearer ${adminKey}` } })).status === 200 || undefined, 60_000, 'the NVR channel at the district');
    rtmpCode = await waitFor(async () => (await api<{ gbCode?: string }>('/api/channels/drone-rtmp')).gbCode, 30_000, 'the RTMP channel code');
  });

  /** INVITEs until the district's cascade knows the code (it follows the registry's events). */
  async function invite(sdp: string, target = code) {
    return waitFor(async () => {
      const call = await upper.invite(lower, target, sdp);
      return call.res.status === 404 && /no channel with code/.test(call.res.reason) && target === code ? undefined : call;
    }, 30_000, `an answer to the INVITE for ${target}`);
  }

  test('s=Playback: 200 s=Playback y=, the recording arrives as PS/RTP that ffprobe decodes, PTS within the range; INFO seeks; a bad INFO is 400; BYE ends the NVR session', async () => {
    const ssrc = '1101010001';
    const m = await media(ssrc);
    const before = nvr.received.history.length;
    const { res, req } = await invite(offer('Playback', code, m.port, ssrc, RECORDINGS[0]!.startAt, RECORDINGS[0]!.endAt));
    assert.equal(res.status, 200, `${res.status} ${res.reason}`);
    const answer = res.body.toString('utf8');
    assert.match(answer, /^s=Playback\r?$/m);
    assert.match(answer, new RegExp(`^y=${ssrc}\\r?$`, 'm'));
    const asked = nvr.received.history[before]!;
    assert.deepEqual([asked.mode, asked.from, asked.to], ['Playback', RECORDINGS[0]!.startAt, RECORDINGS[0]!.endAt], 'the same range asked of the NVR');
    upper.ack(lower, req, res);

    const frames = await waitFor(() => {
      const f = demuxPackets(m.packets);
      return f.length >= 50 ? f : undefined;
    }, 60_000, '50 frames of the recording at the city');
    assert.ok(m.packets.every((p) => p.ssrc === Number(ssrc) && p.payloadType === 96));
    assert.ok(frames[0]!.keyframe, 'starts at a keyframe');
    const rangeTicks = (sec(RECORDINGS[0]!.endAt) - sec(RECORDINGS[0]!.startAt)) * 90_000;
    assert.ok(frames.every((f) => f.pts !== undefined && f.pts >= 0 && f.pts <= rangeTicks), 'PTS within the range');

    const file = join(mkdtempSync(join(tmpdir(), 'city-pb-')), 'playback.mpg');
    cleanups.push(() => rmSync(file, { force: true }));
    writeFileSync(file, Buffer.concat(m.packets.map((p) => p.payload)));
    const video = (await ffprobe(file)).find((s) => s.codec_type === 'video');
    assert.equal(video?.codec_name, 'h264');
    assert.equal(video?.width, 640);
    assert.ok((await countFrames(file)) >= 40, 'ffprobe decodes the frames');

    // Seek to 10 minutes in: the NVR is told, and frames from there come up.
    const seek = await upper.info(lower, req, res, 'PLAY RTSP/1.0\r\nCSeq: 1\r\nRange: npt=600-\r\n\r\n', 3);
    assert.equal(seek.status, 200, `${seek.status} ${seek.reason}`);
    assert.deepEqual(nvr.received.controls.at(-1), { action: 'seek', seconds: 600 });
    await waitFor(() => demuxPackets(m.packets).some((f) => (f.pts ?? 0) >= 600 * 90_000) || undefined, 30_000, 'frames from 600 s on');
    const pause = await upper.info(lower, req, res, 'PAUSE RTSP/1.0\r\nCSeq: 2\r\nPauseTime: now\r\n\r\n', 4);
    assert.equal(pause.status, 200);
    assert.deepEqual(nvr.received.controls.at(-1), { action: 'pause' });
    const controls = nvr.received.controls.length;
    for (const bad of ['GET_PARAMETER RTSP/1.0\r\nCSeq: 3\r\n\r\n', 'PLAY RTSP/1.0\r\nCSeq: 3\r\nScale: 7\r\n\r\n', 'PLAY RTSP/1.0\r\nCSeq: 3\r\nRange: clock=x\r\n\r\n']) {
      assert.equal((await upper.info(lower, req, res, bad, 5)).status, 400, bad);
    }
    assert.equal(nvr.received.controls.length, controls, 'nothing malformed went down');

    const byes = nvr.received.byes;
    assert.equal((await upper.bye(lower, req, res)).status, 200);
    await waitFor(() => (nvr.received.byes > byes && nvrStreams() === 0) || undefined, 20_000, 'the NVR session ended by a BYE');
    const calls = await api<{ items: Array<{ counts: Record<string, number> }> }>('/api/gb28181/upper');
    assert.ok(calls.items[0]!.counts.controls! >= 5, JSON.stringify(calls.items[0]!.counts));
  });

  test('the end of the recording: the NVR says MediaStatus 121, the city gets MediaStatus 121 under the channel code, then a BYE', async () => {
    const ssrc = '1101010002';
    const m = await media(ssrc);
    const from = RECORDINGS[1]!.endAt - 3000;
    const { res, req } = await invite(offer('Playback', code, m.port, ssrc, from, RECORDINGS[1]!.endAt + 60_000));
    assert.equal(res.status, 200, `${res.status} ${res.reason}`);
    upper.ack(lower, req, res);
    const callId = req.headers.get('Call-ID');
    const bye = await upper.until('the BYE from the district', () => upper.received.find((r) => r.method === 'BYE' && r.req.headers.get('Call-ID') === callId), 60_000);
    const status = upper.received.find((r) => r.msg?.cmdType === 'MediaStatus' && r.msg.deviceId === code);
    assert.ok(status, 'a MediaStatus came up');
    assert.match(status.req.body.toString('utf8'), /<NotifyType>121<\/NotifyType>/);
    assert.ok(status.at <= bye.at, 'MediaStatus before the BYE');
    assert.ok(nvr.received.endOfFile.includes(code));
    assert.ok(demuxPackets(m.packets).length >= 25, 'the last seconds of the recording came up first');
  });

  test('s=Download with a=downloadspeed: the speed goes down to the NVR, the frames come up', async () => {
    const ssrc = '1101010003';
    const m = await media(ssrc);
    const before = nvr.received.history.length;
    const { res, req } = await invite(offer('Download', code, m.port, ssrc, RECORDINGS[0]!.startAt, RECORDINGS[0]!.startAt + 60_000, ['a=downloadspeed:4']));
    assert.equal(res.status, 200, `${res.status} ${res.reason}`);
    assert.match(res.body.toString('utf8'), /^s=Download\r?$/m);
    assert.deepEqual([nvr.received.history[before]!.mode, nvr.received.history[before]!.downloadSpeed], ['Download', 4]);
    upper.ack(lower, req, res);
    await waitFor(() => demuxPackets(m.packets).length >= 100 || undefined, 60_000, '100 frames of the download');
    assert.equal((await upper.bye(lower, req, res)).status, 200);
    await waitFor(() => nvrStreams() === 0 || undefined, 20_000, 'the NVR download ended');
  });

  test('refused: no recording in the range (the NVR\'s 404 passed up), an unknown s= (488), an RTMP channel without recordings of its own (404), an unknown code (404)', async () => {
    const m = await media('1101010004');
    const empty = await invite(offer('Playback', code, m.port, '1101010004', DAY - 10 * HOUR, DAY - 9 * HOUR));
    assert.equal(empty.res.status, 404, empty.res.reason);
    assert.match(empty.res.reason, /no recording/);
    const talk = await invite(offer('Talk', code, m.port, '1101010005', RECORDINGS[0]!.startAt, RECORDINGS[0]!.endAt));
    assert.equal(talk.res.status, 488, talk.res.reason);
    const rtmp = await invite(offer('Playback', rtmpCode, m.port, '1101010006', RECORDINGS[0]!.startAt, RECORDINGS[0]!.endAt), rtmpCode);
    // Not a GB28181 channel: its recordings are the gateway's own; this one has none.
    assert.equal(rtmp.res.status, 404, rtmp.res.reason);
    assert.match(rtmp.res.reason, /no recording of channel drone-rtmp kept on this gateway/);
    const unknown = await upper.invite(lower, '31010100001310009999', offer('Playback', '31010100001310009999', m.port, '1101010007', RECORDINGS[0]!.startAt, RECORDINGS[0]!.endAt));
    assert.equal(unknown.res.status, 404);
    assert.equal(nvrStreams(), 0, 'no NVR session left open');
  });

  test('an RTSP channel the district records: the city\'s RecordInfo lists its segments, s=Playback plays them from the district\'s own files (ffprobe decodes), MediaStatus 121 then BYE at the end', async () => {
    const sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'rec', clip: 'h264-360p' }] });
    cleanups.push(() => sim.stop());
    await sim.waitReady('rec', 60_000);
    const made = await fetch(`${url}/api/channels`, {
      method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'cam-rec', name: '录像RTSP', kind: 'rtsp', mode: 'always-on', source: { url: sim.url('rec') }, recording: { mode: 'continuous' } }),
    });
    assert.equal(made.status, 201, await made.text());
    type Segments = { segments: Array<{ start: string; end: string }> };
    const segments = await waitFor(async () => {
      const s = (await api<Segments>('/api/channels/cam-rec/recordings')).segments;
      return s.length >= 3 ? s : undefined;
    }, 120_000, 'three recorded segments at the district');
    const recCode = await waitFor(async () => (await api<{ gbCode?: string }>('/api/channels/cam-rec')).gbCode, 30_000, 'the recorded channel code');
    const from = Math.ceil(Date.parse(segments[0]!.start) / 1000) * 1000;
    const to = Math.floor(Date.parse(segments.at(-1)!.end) / 1000) * 1000;

    const query = `<?xml version="1.0" encoding="UTF-8"?>\r\n<Query>\r\n<CmdType>RecordInfo</CmdType>\r\n<SN>77</SN>\r\n<DeviceID>${recCode}</DeviceID>\r\n`
      + `<StartTime>${localTime(new Date(from - 60_000))}</StartTime>\r\n<EndTime>${localTime(new Date(to + 60_000))}</EndTime>\r\n<Type>all</Type>\r\n</Query>\r\n`;
    assert.equal((await upper.rawMessage(lower, DISTRICT_ID, query)).status, 200);
    const answer = await upper.until('RecordInfo answer', () => upper.bodies('Response:RecordInfo').find((m) => m.sn === 77), 20_000);
    const items = childList(childElement(answer.fields, 'RecordList')!, 'Item') as XmlElement[];
    assert.ok(Number(childText(answer.fields, 'SumNum')) >= 1 && items.length >= 1, 'the recorded footage is listed');
    assert.equal(childText(items[0]!, 'Type'), 'time');

    const ssrc = '1101010008';
    const m = await media(ssrc);
    const { res, req } = await invite(offer('Playback', recCode, m.port, ssrc, from, to), recCode);
    assert.equal(res.status, 200, `${res.status} ${res.reason}`);
    upper.ack(lower, req, res);
    const callId = req.headers.get('Call-ID');
    const bye = await upper.until('the BYE at the end of the footage', () => upper.received.find((r) => r.method === 'BYE' && r.req.headers.get('Call-ID') === callId), 60_000);
    const status = upper.received.find((r) => r.msg?.cmdType === 'MediaStatus' && r.msg.deviceId === recCode);
    assert.ok(status && status.at <= bye.at, 'MediaStatus 121 before the BYE');
    const frames = demuxPackets(m.packets);
    assert.ok(frames.length >= 25, `${frames.length} frames`);
    assert.ok(frames.every((f) => (f.pts ?? 0) <= ((to - from) / 1000 + 1) * 90_000), 'PTS within the range (one GOP of slack)');
    const file = join(mkdtempSync(join(tmpdir(), 'city-own-')), 'own.mpg');
    cleanups.push(() => rmSync(file, { force: true }));
    writeFileSync(file, Buffer.concat(m.packets.map((p) => p.payload)));
    const video = (await ffprobe(file)).find((s) => s.codec_type === 'video');
    assert.deepEqual([video?.codec_name, video?.width, video?.height], ['h264', 640, 360]);
  });
});
