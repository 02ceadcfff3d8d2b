// Cascade (级联) with a real gateway process: it registers with an upper
// platform (our SIP library, in this test process) using digest, answers its
// catalog with 20-digit codes stored in the registry (editable, unique), sends
// NOTIFYs and alarms, refuses INVITEs it cannot serve with the reason, shows
// the link over HTTP and /metrics without the password, unregisters on
// SIGTERM and comes back with the same codes after a restart.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freeSipPort } from './helpers/gb28181.ts';
import { childText, decodeCatalog } from '../gateway/gb28181/manscdp/index.ts';
import { TestUpper, UPPER_DOMAIN, UPPER_ID } from '../gateway/gb28181/cascade/test-upper.ts';
import type { SipRemote } from '../gateway/gb28181/sip/index.ts';
import { spawnGateway, type GatewayProcess } from './helpers/process.ts';
import { waitFor } from './helpers/video.ts';
import { GbSimHost } from './sim/gbsim/index.ts';
import { stayRegistered } from './sim/gbsim/stay-registered.ts';

const OUR_ID = '31010100002000000001';
const PASSWORD = 'Cascade-Up-Pass-77';
const adminKey = `gwk_${randomBytes(24).toString('base64url')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'gw-cascade-'));
const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dataDir, { recursive: true, force: true });
});

function writeConfig(upperPort: number): string {
  const file = join(dataDir, 'gateway.yaml');
  writeFileSync(file, `gb28181:
  id: "${OUR_ID}"
  domain: "3101010000"
  upper:
    - id: "${UPPER_ID}"
      domain: "${UPPER_DOMAIN}"
      address: 127.0.0.1
      port: ${upperPort}
      transport: udp
      password: ${PASSWORD}
      keepaliveSeconds: 1
      share: { all: true }
      alarms: { severities: [critical, major] }
seed:
  channels:
    - { id: cam-east, name: 东门, kind: rtsp, source: { url: "rtsp://10.9.9.1/east" } }
    - { id: cam-west, name: 西门, kind: rtsp, source: { url: "rtsp://10.9.9.2/west" } }
`);
  return file;
}

async function startGateway(config: string, dir = dataDir, extra: string[] = []): Promise<{ gw: GatewayProcess; url: string; sip: SipRemote }> {
  const gw = spawnGateway([
    '--config', config, '--dataDir', dir, '--auth.adminKey', adminKey, '--http.port', '0', '--video.enabled', 'false',
    '--sensors.enabled', 'false', '--detection.enabled', 'false', '--gb28181.port', '0', '--gb28181.host', '127.0.0.1',
    '--gb28181.announceAddress', '127.0.0.1', '--gb28181.queryTimeoutSeconds', '3', ...extra,
  ]);
  cleanups.push(() => gw.proc.exitCode === null && gw.proc.kill('SIGKILL'));
  const url = (await gw.listening()).replace('0.0.0.0', '127.0.0.1');
  const status = await api<{ sipPort: number } & Record<string, unknown>>(url, '/api/gb28181/status');
  const sipPort = (status.platform as { sipPort: number }).sipPort;
  return { gw, url, sip: { transport: 'udp', address: '127.0.0.1', port: sipPort } };
}

async function call(url: string, path: string, init: RequestInit = {}): Promise<Response> {
  const json: Record<string, string> = init.body !== undefined ? { 'content-type': 'application/json' } : {};
  return fetch(url + path, { ...init, headers: { authorization: `Bearer ${adminKey}`, ...json } });
}

async function api<T>(url: string, path: string): Promise<T> {
  const res = await call(url, path);
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as T;
}

interface Link { id: string; state: string; reason?: string; lastRegisteredAt?: string; counts: Record<string, number>; sharedChannels: number }

test('a gateway process cascades to an upper platform, and survives a restart', { timeout: 180_000 }, async () => {
  const upper = await TestUpper.start(PASSWORD);
  cleanups.push(() => upper.close());
  const config = writeConfig(upper.port);
  let { gw, url, sip } = await startGateway(config);

  // Registered with digest; the link over HTTP, without the password.
  await upper.until('registered', () => upper.registered, 30_000);
  const link = await pollLink(url, (l) => l.state === 'registered');
  assert.equal(link.id, UPPER_ID);
  assert.ok(link.lastRegisteredAt);
  assert.equal(link.sharedChannels, 2);
  const linkText = await (await call(url, '/api/gb28181/upper')).text();
  assert.ok(!linkText.includes(PASSWORD), 'no password in the answer');
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, new RegExp(`gateway_gb28181_upper_registered\\{upper="${UPPER_ID}"\\} 1`));
  assert.ok(!metrics.includes(PASSWORD));

  // The catalog: both channels with codes stored in the registry.
  await upper.query(sip, OUR_ID, 'Catalog', 501);
  const items = await upper.until('catalog', () => {
    const parts = upper.bodies('Response:Catalog').filter((m) => m.sn === 501).map(decodeCatalog);
    const got = parts.flatMap((p) => p.items);
    return parts[0] && got.length >= parts[0].sumNum ? got : undefined;
  });
  assert.deepEqual(items.map((i) => i.name).sort(), ['东门', '西门']);
  const east = await api<{ gbCode: string }>(url, '/api/channels/cam-east');
  const west = await api<{ gbCode: string }>(url, '/api/channels/cam-west');
  assert.match(east.gbCode, /^31010100001310\d{6}$/);
  assert.deepEqual(items.map((i) => i.deviceId).sort(), [east.gbCode, west.gbCode].sort());

  // Editable, unique: another channel's code is a 409 naming gbCode.
  const taken = await call(url, '/api/channels/cam-west', { method: 'PATCH', body: JSON.stringify({ gbCode: east.gbCode }) });
  assert.equal(taken.status, 409);
  assert.equal(((await taken.json()) as { field?: string }).field, 'gbCode');

  // A new channel: a NOTIFY ADD with its code.
  const created = await call(url, '/api/channels', { method: 'POST', body: JSON.stringify({ id: 'cam-north', kind: 'rtsp', name: '北门', source: { url: 'rtsp://10.9.9.3/north' } }) });
  assert.equal(created.status, 201, await created.clone().text());
  // The body is GB2312, as devices send: read through the MANSCDP decoder.
  const added = await upper.until('NOTIFY ADD', () => upper.received.find((r) => r.method === 'NOTIFY' && JSON.stringify(r.msg?.fields ?? {}).includes('北门')));
  assert.match(added.req.body.toString(), /<Event>ADD<\/Event>/);

  // An incident the filter wants: an Alarm at the upper platform.
  const report = await call(url, '/api/incidents', { method: 'POST', body: JSON.stringify({ type: 'fire', severity: 'major', title: '东门火情' }) });
  assert.equal(report.status, 201, await report.clone().text());
  const alarm = await upper.until('alarm', () => upper.bodies('Notify:Alarm')[0]);
  assert.equal(childText(alarm.fields, 'AlarmPriority'), '2');
  await call(url, '/api/incidents', { method: 'POST', body: JSON.stringify({ type: 'litter', severity: 'minor', title: '垃圾' }) });

  // INVITEs it cannot serve say why: an unknown code 404; with video off, no stream to send (503).
  const sdp = `v=0\r\no=${UPPER_ID} 0 0 IN IP4 127.0.0.1\r\ns=Play\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 40000 RTP/AVP 96\r\ny=0100000001\r\n`;
  assert.equal((await upper.invite(sip, '31010100001319999999', sdp)).res.status, 404);
  const noVideo = await upper.invite(sip, east.gbCode, sdp);
  assert.equal(noVideo.res.status, 503, noVideo.res.reason);
  assert.equal(upper.bodies('Notify:Alarm').length, 1, 'the minor incident stayed home');

  // SIGTERM: Expires: 0 to the upper platform.
  const registersBefore = upper.registers.length;
  gw.proc.kill('SIGTERM');
  await gw.exit;
  assert.ok(upper.registers.slice(registersBefore).some((r) => r.headers.get('Expires') === '0'), 'unregistered on the way out');
  assert.equal(upper.registered, false);

  // Started again: registered again, the same codes.
  ({ gw, url, sip } = await startGateway(config));
  await pollLink(url, (l) => l.state === 'registered');
  assert.equal((await api<{ gbCode: string }>(url, '/api/channels/cam-east')).gbCode, east.gbCode);
  await upper.query(sip, OUR_ID, 'Catalog', 502);
  const again = await upper.until('catalog again', () => {
    const parts = upper.bodies('Response:Catalog').filter((m) => m.sn === 502).map(decodeCatalog);
    const got = parts.flatMap((p) => p.items);
    return parts[0] && got.length >= parts[0].sumNum ? got : undefined;
  });
  assert.equal(again.length, 3);
  assert.ok(again.some((i) => i.deviceId === east.gbCode));
  gw.proc.kill('SIGTERM');
  await gw.exit;
});

test('two gateways in cascade, signalling (district → city): the catalog, PTZ down to the device, an alarm up, a restart of either side', { timeout: 240_000 }, async () => {
  const CITY_ID = '31000000002000000001';
  const DISTRICT_ID = OUR_ID;
  const NVR_ID = '31010100001180000009';
  const LINK_PASSWORD = 'district-to-city-pass';
  const cityDir = mkdtempSync(join(tmpdir(), 'gw-city-'));
  const districtDir = mkdtempSync(join(tmpdir(), 'gw-district-'));
  cleanups.push(() => rmSync(cityDir, { recursive: true, force: true }), () => rmSync(districtDir, { recursive: true, force: true }));
  const cityPort = await freeSipPort();
  const districtPort = await freeSipPort();
  const cityConfig = join(cityDir, 'gateway.yaml');
  writeFileSync(cityConfig, `gb28181:
  id: "${CITY_ID}"
  domain: "3100000000"
seed:
  gbDevices:
    - { id: "${DISTRICT_ID}", name: 区平台, password: ${LINK_PASSWORD}, mediaTransport: udp }
`);
  const districtConfig = join(districtDir, 'gateway.yaml');
  writeFileSync(districtConfig, `gb28181:
  id: "${DISTRICT_ID}"
  domain: "3101010000"
  upper:
    - { id: "${CITY_ID}", domain: "3100000000", address: 127.0.0.1, port: ${cityPort}, transport: udp, password: ${LINK_PASSWORD}, keepaliveSeconds: 1, maxBackoffSeconds: 2, share: { all: true }, alarms: {} }
seed:
  gbDevices:
    - { id: "${NVR_ID}", name: 区NVR, password: nvr-pass-0001, mediaTransport: udp }
  channels:
    - { id: cam-rtsp, name: 东门RTSP, kind: rtsp, source: { url: "rtsp://10.9.9.1/east" } }
`);
  const fast = ['--gb28181.keepalive.intervalSeconds', '1', '--gb28181.keepalive.missed', '3'];
  const startCity = () => startGateway(cityConfig, cityDir, [...fast, '--gb28181.port', String(cityPort)]);
  const startDistrict = () => startGateway(districtConfig, districtDir, [...fast, '--gb28181.port', String(districtPort)]);
  let city = await startCity();
  let district = await startDistrict();

  // The NVR (simulated) registers with the district; its channel becomes a district channel.
  const host = await GbSimHost.start({ platform: { host: '127.0.0.1', port: district.sip.port, id: DISTRICT_ID, domain: '3101010000' } });
  cleanups.push(() => host.close());
  const nvr = host.addDevice({ deviceId: NVR_ID, password: 'nvr-pass-0001', channels: 1, keepaliveSeconds: 1 });
  let staying = stayRegistered(nvr, () => undefined, 1000);
  cleanups.push(() => staying.stop());
  const nvrChannel = nvr.channelIds[0]!;

  // The city sees the district's shared catalog: the RTSP channel and the NVR's channel.
  const cityChannels = async () => (await api<{ items: Array<{ id: string; name: string; source: { deviceId?: string; channelId?: string } }> }>(city.url, '/api/channels?limit=100')).items.filter((c) => c.source.deviceId === DISTRICT_ID);
  // The city asked for the catalog when the district registered, maybe before the NVR's channel was there: ask again until it is.
  const seen = await until('the district catalog at the city', async () => {
    const list = await cityChannels();
    if (list.length >= 2 && list.some((c) => c.source.channelId === nvrChannel)) return list;
    await call(city.url, `/api/gb28181/devices/${DISTRICT_ID}/catalog`, { method: 'POST' });
    return undefined;
  });
  const rtspCode = (await api<{ gbCode: string }>(district.url, '/api/channels/cam-rtsp')).gbCode;
  assert.ok(seen.some((c) => c.source.channelId === rtspCode && c.name === '东门RTSP'), JSON.stringify(seen));

  // PTZ at the city reaches the NVR through the district.
  const cityNvrChannel = seen.find((c) => c.source.channelId === nvrChannel)!;
  const ptz = await call(city.url, `/api/channels/${cityNvrChannel.id}/ptz`, { method: 'POST', body: JSON.stringify({ pan: 'left', panSpeed: 100 }) });
  assert.equal(ptz.status, 200, await ptz.clone().text());
  await until('PTZ at the NVR', async () => (nvr.received.ptz.length ? nvr.received.ptz : undefined));
  assert.equal(nvr.received.ptz[0]!.channelId, nvrChannel);

  // Catalog NOTIFYs from the district update the city's channels without a catalog query (the city subscribed to the district's catalog).
  await pollLink(district.url, (l) => l.counts.catalogNotifies !== undefined);
  const queriesBefore = (await pollLink(district.url, () => true)).counts.catalogQueries ?? 0;
  const created = await call(district.url, '/api/channels', { method: 'POST', body: JSON.stringify({ id: 'cam-north', name: '北门RTSP', kind: 'rtsp', source: { url: 'rtsp://10.9.9.3/north' } }) });
  assert.equal(created.status, 201, await created.clone().text());
  const northCode = await until('the new channel\'s code at the district', async () => (await api<{ gbCode?: string }>(district.url, '/api/channels/cam-north')).gbCode);
  const north = await until('the new channel at the city', async () => (await cityChannels()).find((c) => c.source.channelId === northCode));
  assert.equal(north.name, '北门RTSP');
  const renamed = await call(district.url, '/api/channels/cam-north', { method: 'PATCH', body: JSON.stringify({ name: '北门改名' }) });
  assert.equal(renamed.status, 200);
  await until('the rename at the city', async () => ((await cityChannels()).find((c) => c.source.channelId === northCode)?.name === '北门改名' ? true : undefined));
  assert.equal((await call(district.url, '/api/channels/cam-north', { method: 'DELETE' })).status, 204);
  await until('the channel gone at the city', async () => ((await cityChannels()).some((c) => c.source.channelId === northCode) ? undefined : true));
  const link = await pollLink(district.url, () => true);
  assert.equal(link.counts.catalogQueries ?? 0, queriesBefore, 'the city did not ask for the catalog again');
  assert.ok((link.counts.catalogNotifies ?? 0) >= 3, JSON.stringify(link.counts));

  // An incident at the district becomes an incident at the city.
  const report = await call(district.url, '/api/incidents', { method: 'POST', body: JSON.stringify({ type: 'fire', severity: 'critical', title: '区里火情' }) });
  assert.equal(report.status, 201);
  await until('the alarm as an incident at the city', async () => {
    const items = (await api<{ items: Array<{ source: { kind: string; id: string } }> }>(city.url, '/api/incidents?limit=50')).items;
    return items.find((i) => i.source.kind === 'gb28181');
  });

  // The district restarts: the city sees it come back.
  const deviceState = async () => (await api<{ status: { state: string } }>(city.url, `/api/gb28181/devices/${DISTRICT_ID}`)).status.state;
  district.gw.proc.kill('SIGTERM');
  await district.gw.exit;
  staying.stop();
  await until('district offline at the city', async () => ((await deviceState()) === 'offline' ? true : undefined));
  district = await startDistrict();
  await until('district online at the city again', async () => ((await deviceState()) === 'online' ? true : undefined));

  // The city restarts (same SIP port): the district registers again (its keepalive is refused, or its REGISTER retried).
  city.gw.proc.kill('SIGTERM');
  await city.gw.exit;
  city = await startCity();
  await until('district registered with the restarted city', async () => ((await deviceState()) === 'online' ? true : undefined));
  await pollLink(district.url, (l) => l.state === 'registered' && (l.counts.registrations ?? 0) >= 2);
  // And the PTZ path works again (the NVR back with the restarted district).
  staying = stayRegistered(host.device(NVR_ID)!, () => undefined, 1000);
  const again = await until('PTZ after both restarts', async () => {
    const res = await call(city.url, `/api/channels/${cityNvrChannel.id}/ptz`, { method: 'POST', body: JSON.stringify({ tilt: 'up', tiltSpeed: 50 }) });
    return res.status === 200 ? res : undefined;
  });
  assert.equal(again.status, 200);
  for (const side of [city, district]) {
    side.gw.proc.kill('SIGTERM');
    await side.gw.exit;
  }
});

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> => waitFor(probe, timeoutMs, what);

async function pollLink(url: string, ok: (l: Link) => boolean): Promise<Link> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const link = (await api<{ items: Link[] }>(url, '/api/gb28181/upper')).items[0];
    if (link && ok(link)) return link;
    assert.ok(Date.now() < deadline, `link: ${JSON.stringify(link)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
