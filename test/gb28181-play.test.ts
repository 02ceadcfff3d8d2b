// GB28181 live play end to end: a catalog channel of a simulated device is
// played (INVITE, RTP → our PS demuxer → the channel's ffmpeg) over UDP and
// over TCP, the HLS it makes is decoded by ffprobe, stopping the channel
// sends BYE, and a device that goes away turns its channel offline.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addGbDevice, GB_VIDEO_ARGS, platformOf } from './helpers/gb28181.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { countFrames, ffprobe, startVideoGateway, statusOf, waitFor } from './helpers/video.ts';
import { ensureGbClip, GbSimHost, type GbDeviceSim } from './sim/gbsim/index.ts';


/** The gateway's log as parsed JSON lines. */
const logLines = (t: TestGateway) => t.logs().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

async function playlist(t: TestGateway, channelId: string): Promise<string> {
  const play = await t.call('operator', { method: 'GET', url: `/api/channels/${channelId}/play` });
  assert.equal(play.statusCode, 200, play.body);
  return play.json().hls as string;
}

describe('GB28181 live play', () => {
  let t: TestGateway;
  let sipPort: number;
  let host: GbSimHost;
  let udpDevice: GbDeviceSim;
  let tcpDevice: GbDeviceSim;
  let base: string;
  before(async () => {
    t = await startVideoGateway(GB_VIDEO_ARGS);
    sipPort = t.gw.gb28181!.ports.sip;
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const clip = await ensureGbClip();
    host = await GbSimHost.start({ platform: platformOf({ sipPort }) });
    await addGbDevice(t, { id: '34020000001320000101', password: 'udp-pass', mediaTransport: 'udp' });
    await addGbDevice(t, { id: '34020000001320000102', password: 'tcp-pass', mediaTransport: 'tcp' });
    udpDevice = host.addDevice({ deviceId: '34020000001320000101', password: 'udp-pass', channels: 1, clip, keepaliveSeconds: 0.5 });
    tcpDevice = host.addDevice({ deviceId: '34020000001320000102', password: 'tcp-pass', channels: 1, clip, keepaliveSeconds: 0.5 });
    for (const d of [udpDevice, tcpDevice]) {
      assert.equal((await d.register()).status, 200);
      d.startKeepalive();
    }
    await waitFor(async () => (await t.call('operator', { method: 'GET', url: '/api/channels?kind=gb28181' })).json().items.length === 2 || undefined, 8000, 'catalog channels');
  });
  after(async () => {
    await host.close();
    await t.stop();
  });

  for (const which of ['udp', 'tcp'] as const) {
    test(`RTP over ${which.toUpperCase()}: INVITE on play, HLS that ffprobe decodes as the device's H.264`, async () => {
      const dev = which === 'udp' ? udpDevice : tcpDevice;
      const channelId = dev.channelIds[0]!;
      const invites = dev.received.invites;
      const url = `${base}${await playlist(t, channelId)}`;
      const streams = await ffprobe(url);
      assert.equal(streams[0]?.codec_name, 'h264');
      assert.equal(streams[0]?.width, 640);
      assert.equal(streams[0]?.height, 360);
      assert.equal(dev.received.invites, invites + 1, 'one INVITE');
      const status = await waitFor(async () => {
        const s = await statusOf(t, channelId);
        return s.state === 'online' ? s : undefined;
      }, 10_000, 'channel online');
      assert.equal(status.input?.codec, 'h264');
      const session = (await t.call('operator', { method: 'GET', url: '/api/gb28181/sessions' })).json().items.find((s: { channelId: string }) => s.channelId === channelId);
      assert.equal(session.transport, which);
      assert.ok(session.stats.pipeline.keyframes >= 1);
      assert.equal(session.stats.receiver.wrongSsrc, 0);
      // A whole segment decodes frame by frame.
      const dir = t.gw.video!.manager.hlsDir(channelId);
      const segment = await waitFor(async () => {
        const text = await (await fetch(url)).text();
        return /^(seg-\d+\.ts)$/m.exec(text)?.[1];
      }, 10_000, 'a listed segment');
      const frames = await countFrames(join(dir, segment));
      assert.ok(frames >= 15 && frames <= 60, `segment of ${frames} frames`);
    });
  }

  test('disabling the channel stops its ffmpeg and the session: the device gets a BYE', async () => {
    const channelId = udpDevice.channelIds[0]!;
    // Watched again first: on a busy machine this on-demand channel may have gone idle (its BYE sent) since the play test.
    await playlist(t, channelId);
    await waitFor(() => t.gw.gb28181!.live.list().some((s) => s.channelId === channelId) || undefined, 30_000, 'the live session');
    const byes = udpDevice.received.byes;
    let stoppedId: string | undefined;
    udpDevice.once('stopped', (id: string) => (stoppedId = id));
    assert.equal((await t.call('engineer', { method: 'PATCH', url: `/api/channels/${channelId}`, payload: { enabled: false } })).statusCode, 200);
    assert.equal(await waitFor(() => stoppedId, 20_000, 'the device stopped streaming'), channelId);
    assert.equal(udpDevice.received.byes, byes + 1);
    await waitFor(() => t.gw.gb28181!.live.list().every((s) => s.channelId !== channelId) || undefined, 3000, 'session gone');
  });

  test('RTP with a wrong SSRC is dropped and counted; a device that refuses the INVITE gives "invite refused"', async () => {
    const liar = host.addDevice({ deviceId: '34020000001320000103', password: 'liar-pass', channels: 1, clip: await ensureGbClip(), streamSsrcOverride: 1234, keepaliveSeconds: 0.5 });
    const mute = host.addDevice({ deviceId: '34020000001320000104', password: 'mute-pass', channels: 1, keepaliveSeconds: 0.5 }); // no clip: answers 404
    await addGbDevice(t, { id: liar.deviceId, password: 'liar-pass' });
    await addGbDevice(t, { id: mute.deviceId, password: 'mute-pass' });
    for (const d of [liar, mute]) {
      assert.equal((await d.register()).status, 200);
      d.startKeepalive();
    }
    await waitFor(async () => (await t.call('operator', { method: 'GET', url: '/api/channels?kind=gb28181' })).json().items.length === 4 || undefined, 8000, 'catalog channels');
    const liarChannel = liar.channelIds[0]!;
    await playlist(t, liarChannel);
    const counted = await waitFor(() => {
      const s = t.gw.gb28181!.live.list().find((x) => x.channelId === liarChannel);
      return s && (s.stats.receiver?.wrongSsrc ?? 0) > 50 ? s : undefined;
    }, 8000, 'wrong-SSRC packets counted');
    assert.equal(counted.stats.receiver?.packets, 0, 'none of them reached the demuxer');
    const timedOut = await waitFor(async () => {
      const st = await statusOf(t, liarChannel);
      return st.state === 'offline' ? st : undefined;
    }, 15_000, 'offline without media');
    assert.match(timedOut.reason ?? '', /timeout|exited/);
    await playlist(t, mute.channelIds[0]!);
    const refused = await waitFor(async () => {
      const st = await statusOf(t, mute.channelIds[0]!);
      return st.state === 'offline' && st.reason ? st : undefined;
    }, 10_000, 'refused INVITE');
    assert.equal(refused.reason, 'invite refused');
    for (const d of [liar, mute]) d.stopKeepalive();
    await t.call('engineer', { method: 'PATCH', url: `/api/channels/${liarChannel}`, payload: { enabled: false } });
    await t.call('engineer', { method: 'PATCH', url: `/api/channels/${mute.channelIds[0]!}`, payload: { enabled: false } });
  });

  test('PS plays without the "not MPEG-PS" warning; a device sending MPEG-TS or raw H.264 instead gets it', async () => {
    assert.doesNotMatch(t.logs(), /not MPEG-PS/, 'the PS streams played above are not reported as anything else');
    const clip = await ensureGbClip();
    const senders = { mpegts: '34020000001320000105', annexb: '34020000001320000106' } as const;
    for (const [format, id] of Object.entries(senders) as Array<[keyof typeof senders, string]>) {
      await addGbDevice(t, { id, password: `${format}-pass` });
      const dev = host.addDevice({ deviceId: id, password: `${format}-pass`, channels: 1, clip, mediaFormat: format, keepaliveSeconds: 0.5 });
      assert.equal((await dev.register()).status, 200);
      dev.startKeepalive();
      const channelId = dev.channelIds[0]!;
      await waitFor(async () => (await t.call('operator', { method: 'GET', url: `/api/channels/${channelId}` })).statusCode === 200 || undefined, 8000, `${format} channel`);
      await playlist(t, channelId);
      const warned = await waitFor(() => logLines(t).find((l) => l.msg === 'GB28181 media is not MPEG-PS; it cannot be played' && l.channelId === channelId), 10_000, `${format} reported`);
      assert.equal(warned.format, format);
      assert.equal(t.gw.gb28181!.live.list().find((x) => x.channelId === channelId)?.stats.pipeline?.frames ?? 0, 0, 'nothing of it reaches ffmpeg');
      dev.stopKeepalive();
      await t.call('engineer', { method: 'PATCH', url: `/api/channels/${channelId}`, payload: { enabled: false } });
    }
    const reported = logLines(t).filter((l) => l.msg === 'GB28181 media is not MPEG-PS; it cannot be played').map((l) => l.channelId);
    assert.ok(reported.every((c) => !udpDevice.channelIds.includes(c as string) && !tcpDevice.channelIds.includes(c as string)), 'never for the PS devices');
  });

  test('a device that stops answering keepalives turns its live channel offline with the reason', async () => {
    const channelId = tcpDevice.channelIds[0]!;
    // Watched now: an on-demand channel left unwatched by the tests before (slow on a busy machine) may have gone idle.
    await playlist(t, channelId);
    await waitFor(async () => (await statusOf(t, channelId)).state === 'online' || undefined, 10_000, 'channel online');
    tcpDevice.stopKeepalive();
    const status = await waitFor(async () => {
      const s = await statusOf(t, channelId);
      return s.state === 'offline' ? s : undefined;
    }, 10_000, 'channel offline');
    assert.match(status.reason ?? '', /device offline: no keepalive/);
    assert.equal(t.gw.gb28181!.live.size, 0);
  });
});

describe('GB28181 replay of a device that has gone', () => {
  // The device stays registered (100 missed keepalives) after it is gone, as a
  // device that lost power does until the keepalive sweep: the INVITE itself fails.
  let t: TestGateway;
  let sipPort: number;
  before(async () => {
    t = await startVideoGateway([...GB_VIDEO_ARGS, '--gb28181.keepalive.missed', '100', '--gb28181.inviteTimeoutSeconds', '2']);
    sipPort = t.gw.gb28181!.ports.sip;
  });
  after(async () => {
    await t.stop();
  });

  const cases = [
    { sipTransport: 'udp', id: '34020000001320000111', reason: 'timeout', relay: { status: 504, says: /did not answer the INVITE within 2 s/ } },
    { sipTransport: 'tcp', id: '34020000001320000112', reason: 'device offline', relay: { status: 503, says: /unreachable: the INVITE could not be sent/ } },
  ] as const;
  for (const c of cases) {
    test(`over SIP/${c.sipTransport.toUpperCase()}: the channel says "${c.reason}" with the cause, not "invite refused"`, async () => {
      const host = await GbSimHost.start({ platform: platformOf({ sipPort }), sipTransport: c.sipTransport });
      await addGbDevice(t, { id: c.id, password: 'gone-pass' });
      const dev = host.addDevice({ deviceId: c.id, password: 'gone-pass', channels: 1, clip: await ensureGbClip() });
      assert.equal((await dev.register()).status, 200);
      const channelId = dev.channelIds[0]!;
      await waitFor(async () => (await t.call('operator', { method: 'GET', url: `/api/channels/${channelId}` })).statusCode === 200 || undefined, 8000, 'catalog channel');
      await host.close(); // gone: no SIP socket, no media
      assert.ok(t.gw.gb28181!.sessions.get(c.id), 'still registered');
      await playlist(t, channelId);
      const status = await waitFor(async () => {
        const st = await statusOf(t, channelId);
        return st.state === 'offline' && st.reason ? st : undefined;
      }, 15_000, 'the channel offline with a reason');
      assert.equal(status.reason, c.reason);
      const lastError = (status as { lastError?: string }).lastError ?? '';
      assert.match(lastError, c.relay.says, 'lastError states the cause');
      assert.doesNotMatch(lastError, /\/gb\/[0-9a-f]{8,}/, 'not the relay URL with its token');
      const relayed = logLines(t).find((l) => l.msg === 'GB28181 live stream not opened' && l.channelId === channelId);
      assert.equal(relayed?.status, c.relay.status);
      assert.match(String(relayed?.reason), c.relay.says);
      await t.call('engineer', { method: 'PATCH', url: `/api/channels/${channelId}`, payload: { enabled: false } });
    });
  }
});
