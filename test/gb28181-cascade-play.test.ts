// Two gateway processes in cascade, with video: the district shares an RTSP
// camera (the camera simulator) and a GB28181 NVR's channel (the device
// simulator); the city has the district registered as a device (type 200),
// so the district's catalog becomes city channels. Playing them at the city
// INVITEs the district, which sends the channel's running ingest up as PS over
// RTP (no second camera connection); the city's HLS is decoded by ffprobe.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freeSipPort } from './helpers/gb28181.ts';
import { spawnGateway, type GatewayProcess } from './helpers/process.ts';
import { CLIP_DIR, ffprobe, waitFor } from './helpers/video.ts';
import { startCameraSimulator } from './sim/camera-sim.ts';
import { ensureGbClip, GbSimHost } from './sim/gbsim/index.ts';
import { stayRegistered } from './sim/gbsim/stay-registered.ts';

const CITY_ID = '31000000002000000001';
const DISTRICT_ID = '31010100002000000001';
const NVR_ID = '31010100001180000009';
const LINK_PASSWORD = 'district-to-city-pass';
const adminKey = `gwk_${randomBytes(24).toString('base64url')}`;
const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function start(name: string, yaml: string, sipPort: number): Promise<{ gw: GatewayProcess; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), `gw-${name}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'gateway.yaml'), yaml);
  const gw = spawnGateway([
    '--config', join(dir, 'gateway.yaml'), '--dataDir', dir, '--auth.adminKey', adminKey, '--http.port', '0', '--http.host', '127.0.0.1',
    '--video.rtmp.port', '0', '--sensors.enabled', 'false', '--detection.enabled', 'false', '--videoQuality.enabled', 'false',
    '--video.watchdogSeconds', '6', '--video.backoff.initialMs', '300', '--video.backoff.maxMs', '1500', '--video.onDemandIdleSeconds', '10',
    '--gb28181.port', String(sipPort), '--gb28181.host', '127.0.0.1', '--gb28181.announceAddress', '127.0.0.1',
    '--gb28181.keepalive.intervalSeconds', '1', '--gb28181.keepalive.missed', '3', '--gb28181.media.portMin', '0', '--gb28181.media.portMax', '0',
    '--gb28181.inviteTimeoutSeconds', '20', '--gb28181.media.rtpTimeoutSeconds', '10',
  ]);
  cleanups.push(async () => {
    if (gw.proc.exitCode === null) {
      gw.proc.kill('SIGTERM');
      await gw.exit;
    }
  });
  return { gw, url: await gw.listening() };
}

async function api<T>(url: string, path: string): Promise<T> {
  const res = await fetch(url + path, { headers: { authorization: `Bearer ${adminKey}` } });
  assert.equal(res.status, 200, `${path}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

test('the city plays a district RTSP channel and a district GB28181 channel through the district', { timeout: 300_000 }, async () => {
  const sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'cam', clip: 'h264-360p' }] });
  cleanups.push(() => sim.stop());
  await sim.waitReady('cam', 60_000);
  const clip = await ensureGbClip();
  const cityPort = await freeSipPort();
  const districtPort = await freeSipPort();

  const city = await start('city', `gb28181:
  id: "${CITY_ID}"
  domain: "3100000000"
seed:
  gbDevices:
    - { id: "${DISTRICT_ID}", name: 区平台, password: ${LINK_PASSWORD}, mediaTransport: udp }
`, cityPort);
  const district = await start('district', `gb28181:
  id: "${DISTRICT_ID}"
  domain: "3101010000"
  upper:
    - { id: "${CITY_ID}", domain: "3100000000", address: 127.0.0.1, port: ${cityPort}, transport: udp, password: ${LINK_PASSWORD}, keepaliveSeconds: 1, share: { all: true } }
seed:
  gbDevices:
    - { id: "${NVR_ID}", name: 区NVR, password: nvr-pass-0001, mediaTransport: udp }
  channels:
    - { id: cam-rtsp, name: 东门RTSP, kind: rtsp, source: { url: "${sim.url('cam')}" } }
`, districtPort);

  const host = await GbSimHost.start({ platform: { host: '127.0.0.1', port: districtPort, id: DISTRICT_ID, domain: '3101010000' } });
  cleanups.push(() => host.close());
  const nvr = host.addDevice({ deviceId: NVR_ID, password: 'nvr-pass-0001', channels: 1, clip, keepaliveSeconds: 1 });
  const staying = stayRegistered(nvr, () => undefined, 1000);
  cleanups.push(() => staying.stop());

  type Row = { id: string; name: string; source: { deviceId?: string; channelId?: string } };
  // The city asked for the catalog when the district registered, maybe before the NVR's channel was there: ask again until it is.
  const seen = await waitFor(async () => {
    const items = (await api<{ items: Row[] }>(city.url, '/api/channels?kind=gb28181&limit=100')).items.filter((c) => c.source.deviceId === DISTRICT_ID);
    if (items.length >= 2 && items.some((c) => c.source.channelId === nvr.channelIds[0])) return items;
    await fetch(`${city.url}/api/gb28181/devices/${DISTRICT_ID}/catalog`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}` } });
    return undefined;
  }, 90_000, 'the district catalog at the city');
  const rtspCode = (await api<{ gbCode: string }>(district.url, '/api/channels/cam-rtsp')).gbCode;
  const targets = [
    ['RTSP', seen.find((c) => c.source.channelId === rtspCode)],
    ['GB28181', seen.find((c) => c.source.channelId === nvr.channelIds[0])],
  ] as const;
  for (const [what, channel] of targets) {
    assert.ok(channel, `${what} channel at the city: ${JSON.stringify(seen)}`);
    const play = await api<{ hls: string }>(city.url, `/api/channels/${channel.id}/play`);
    const streams = await waitFor(async () => {
      const probed = await ffprobe(`${city.url}${play.hls}`);
      return probed.some((s) => s.codec_type === 'video') ? probed : undefined;
    }, 120_000, `${what}: HLS at the city that ffprobe decodes`);
    const video = streams.find((s) => s.codec_type === 'video')!;
    assert.equal(video.codec_name, 'h264', what);
    assert.equal(video.width, 640, what);
    assert.equal(video.height, 360, what);
  }
  // One camera connection: the district's ingest; the city's play went through it.
  const upper = (await api<{ items: Array<{ counts: Record<string, number> }> }>(district.url, '/api/gb28181/upper')).items[0]!;
  assert.ok(upper.counts.invites! >= 2, JSON.stringify(upper.counts));
  assert.ok(nvr.received.invites <= 2, `the NVR was INVITEd ${nvr.received.invites} times: by the district's ingest only`);
});
