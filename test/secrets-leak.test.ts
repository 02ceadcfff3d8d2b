// No secret leaves the gateway. Distinctive secrets (with characters that
// need percent-encoding) are planted where the gateway must hold them: a
// camera's password (a camera that refuses it, one that cannot be reached,
// one that accepts it), credentials inside an RTSP URL, an RTMP push key, a
// sensor's and a GB28181 device's password, the digest password of two upper
// platforms (级联: one that accepts it, one that refuses it), an ONVIF camera's
// password (added, steered, its events raising an incident, and a refused
// inspect with a wrong one), a webhook URL's userinfo, and an
// API key sent in a query string under a name nobody listed. Then every GET
// route of the OpenAPI document is called as every role, the event stream
// and /metrics are read, and none of it — nor the whole log — may carry any
// of them: plain, percent-encoded or base64 (alone or as Basic user:pass).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Role } from '../device-registry/index.ts';
import { addGbDevice, GB_VIDEO_ARGS } from './helpers/gb28181.ts';
import { seedBasics, sensor, type TestGateway } from './helpers/gateway.ts';
import { openSse, type SseClient } from './helpers/sse.ts';
import { TestUpper } from '../gateway/gb28181/cascade/test-upper.ts';
import { CLIP_DIR, startVideoGateway, statusOf, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';
import { OnvifSimHost, simEvents, type OnvifDeviceSim } from './sim/onvif/index.ts';

const CAMERA_PASSWORD = 'Zq7#p@ss:w/rd%Lk9 é';
const URL_PASSWORD = 'Uq4/r@t:x#Yy%2F';
const PUSH_KEY = 'push-Kx93hQ2vLm81zT5wRn7e';
const SENSOR_PASSWORD = 'sensor-P@ss/9#Qz';
const GB_PASSWORD = 'gb-P@ss:7%Wv';
const HOOK_PASSWORD = 'hook-P@ss:3#Jk';
const UPPER_PASSWORD = 'up-P@ss:5#Hn/q';
const ONVIF_PASSWORD = 'onvif-P@ss:8#Rt/w';
const ROLES: Role[] = ['admin', 'engineer', 'operator', 'dispatcher'];

let t: TestGateway;
let sim: CameraSimulator;
let events: SseClient;
let uppers: TestUpper[] = [];
let onvifHost: OnvifSimHost;
let onvifCam: OnvifDeviceSim;
let base: string;

/** Every way a secret could be written down. */
function forms(secret: string, user?: string): string[] {
  const out = [secret, encodeURIComponent(secret), encodeURI(secret), Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url')];
  if (user) out.push(Buffer.from(`${user}:${secret}`).toString('base64'));
  // A long enough piece of the secret is enough to give it away (a truncated line, an escaped form).
  out.push(secret.slice(0, 10));
  return out;
}

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'gate', clip: 'h264-360p' }], credentials: { username: 'admin', password: CAMERA_PASSWORD } });
  // Two upper platforms: one knows our password and one does not (its refusals are logged).
  uppers = [await TestUpper.start(UPPER_PASSWORD), await TestUpper.start('another-password')];
  const config = join(mkdtempSync(join(tmpdir(), 'gw-secrets-')), 'gateway.yaml');
  writeFileSync(config, `gb28181:\n  upper:\n${uppers.map((u, i) =>
    `    - { id: "3100000000200000000${i + 1}", domain: "3100000000", address: 127.0.0.1, port: ${u.port}, transport: udp, password: "${UPPER_PASSWORD}", keepaliveSeconds: 1, maxBackoffSeconds: 2, share: { all: true } }\n`).join('')}`);
  t = await startVideoGateway([...GB_VIDEO_ARGS, '--config', config]);
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  await seedBasics(t);
  const { token } = (await t.call('operator', { method: 'POST', url: '/api/url-tokens' })).json() as { token: string };
  events = await openSse(`${base}/api/events?access_token=${token}`);
  await sim.waitReady('gate');
  onvifHost = await OnvifSimHost.start({ discovery: false });
  onvifCam = await onvifHost.addDevice({ name: 'dome', username: 'admin', password: ONVIF_PASSWORD, rtsp: { main: sim.url('gate'), sub: sim.url('gate') } });
});
after(async () => {
  events?.close();
  await t?.stop();
  await sim?.stop();
  for (const upper of uppers) await upper.close();
  await onvifHost?.close();
});

const post = async (url: string, payload: unknown) => {
  const res = await t.call('admin', { method: 'POST', url, payload: payload as object });
  assert.ok(res.statusCode < 300, `${url}: ${res.statusCode} ${res.body}`);
  return res.json() as Record<string, unknown>;
};

test('planted secrets appear in no response, event, metric or log line', async () => {
  const plain = sim.url('gate');
  const closedPort = 'rtsp://127.0.0.1:9/gate';
  await post('/api/channels', { id: 'refused', name: '拒绝', kind: 'rtsp', mode: 'always-on', source: { url: plain, username: 'intruder', password: CAMERA_PASSWORD } });
  await post('/api/channels', { id: 'unreachable', name: '不可达', kind: 'rtsp', mode: 'always-on', source: { url: closedPort, username: 'admin', password: CAMERA_PASSWORD } });
  await post('/api/channels', { id: 'accepted', name: '正常', kind: 'rtsp', mode: 'always-on', source: { url: plain, username: 'admin', password: CAMERA_PASSWORD } });
  await post('/api/channels', { id: 'in-url', name: 'URL 内凭据', kind: 'rtsp', mode: 'always-on', source: { url: plain.replace('rtsp://', `rtsp://cam:${encodeURIComponent(URL_PASSWORD)}@`) } });
  await post('/api/channels', { id: 'drone', name: '无人机', kind: 'rtmp', source: { pushKey: PUSH_KEY } });
  await post('/api/sensors', sensor('gas-leak-1', { mqtt: { clientId: 'gas-leak-1', username: 'gas-leak-1', password: SENSOR_PASSWORD } }));
  await addGbDevice(t, { id: '34020000001320000077', password: GB_PASSWORD });
  const hook = await post('/api/webhooks', { name: 'city', url: `http://hookuser:${encodeURIComponent(HOOK_PASSWORD)}@127.0.0.1:9/hook` });
  const incident = await post('/api/incidents', { type: 'gas_leak', severity: 'major', title: '燃气泄漏' });
  // An ONVIF camera: added, steered, its tamper event raised; a wrong password refused (422) without echoing it.
  const onvifId = String((await post('/api/onvif/channels', { host: onvifCam.host, port: onvifCam.port, username: 'admin', password: ONVIF_PASSWORD, name: '球机', mode: 'on-demand' })).id);
  const refused = await t.call('admin', { method: 'POST', url: '/api/onvif/inspect', payload: { host: onvifCam.host, port: onvifCam.port, username: 'admin', password: `${ONVIF_PASSWORD}-wrong` } });
  assert.equal(refused.statusCode, 422, refused.body);
  assert.equal((await t.call('operator', { method: 'POST', url: `/api/channels/${onvifId}/ptz`, payload: { pan: 'left', panSpeed: 100 } })).statusCode, 200);
  await waitFor(async () => (await t.call('admin', { method: 'GET', url: `/api/onvif/events/status?channelId=${onvifId}` })).json().items[0]?.state === 'subscribed' || undefined, 30_000, 'ONVIF events subscribed');
  onvifCam.emit(simEvents.tamper(true));
  await waitFor(async () => (await t.call('admin', { method: 'GET', url: `/api/incidents?type=camera_tamper&sourceId=${onvifId}` })).json().items.length > 0 || undefined, 30_000, 'the camera_tamper incident');

  await waitFor(async () => (await statusOf(t, 'refused')).reason === 'auth failed' || undefined, 60_000, 'refused: auth failed');
  await waitFor(async () => (await statusOf(t, 'unreachable')).reason === 'unreachable' || undefined, 60_000, 'unreachable');
  await waitFor(async () => (await statusOf(t, 'accepted')).state === 'online' || undefined, 60_000, 'accepted: online');
  await waitFor(async () => (await statusOf(t, 'in-url')).reason === 'auth failed' || undefined, 60_000, 'in-url: auth failed');
  await waitFor(() => uppers[0]?.registered || undefined, 30_000, 'registered with the first upper platform');
  await waitFor(() => t.logs().includes('wrong password') || undefined, 30_000, 'the second upper platform refused the password');

  // An API key in a query string under a name the logger never heard of.
  await t.app.inject({ method: 'GET', url: `/api/channels?wallkey=${t.keys.operator}` });

  const bodies: string[] = [];
  const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
  // Each path parameter filled with the planted entities of its room.
  const idsFor = (path: string): string[] => {
    if (path.startsWith('/api/channels/')) return ['refused', 'unreachable', 'accepted', 'in-url', 'drone', onvifId];
    if (path.startsWith('/api/sensors/')) return ['gas-leak-1'];
    if (path.startsWith('/api/gb28181/')) return ['34020000001320000077'];
    if (path.startsWith('/api/webhooks/')) return [String(hook.id)];
    if (path.startsWith('/api/incidents/')) return [String(incident.id)];
    if (path.startsWith('/api/grids/')) return ['D1'];
    return ['x'];
  };
  const gets = Object.entries(doc.paths).filter(([path, ops]) => ops.get && path !== '/api/events').map(([path]) => path);
  assert.ok(gets.length > 30, `the OpenAPI document lists the GET routes (${gets.length})`);
  for (const path of gets) {
    const urls = path.includes('{') ? idsFor(path).map((v) => path.replace(/\{\w+\}/g, v)) : [path];
    for (const url of urls) {
      for (const role of ROLES) {
        const res = await t.call(role, { method: 'GET', url });
        if (!String(res.headers['content-type'] ?? '').startsWith('image/')) bodies.push(`${role} GET ${url} → ${res.statusCode} ${res.body}`);
      }
    }
  }
  assert.ok(bodies.length > 150, `responses searched: ${bodies.length}`);
  bodies.push((await t.app.inject({ method: 'GET', url: '/metrics' })).body);
  for (const entity of ['channels', 'sensors']) bodies.push((await t.call('admin', { method: 'GET', url: `/api/export?entity=${entity}&format=csv` })).body);
  await waitFor(() => events.events.length > 0 || undefined, 5000, 'events on the stream');
  const everything = [...bodies, JSON.stringify(events.events), t.logs()].join('\n');

  const secrets: Array<[string, string[]]> = [
    ['camera password', forms(CAMERA_PASSWORD, 'admin').concat(forms(CAMERA_PASSWORD, 'intruder'))],
    ['password inside an RTSP URL', forms(URL_PASSWORD, 'cam')],
    ['RTMP push key', forms(PUSH_KEY)],
    ['sensor password', forms(SENSOR_PASSWORD, 'gas-leak-1')],
    ['GB28181 password', forms(GB_PASSWORD)],
    ['webhook URL password', forms(HOOK_PASSWORD, 'hookuser')],
    ['upper platform password', forms(UPPER_PASSWORD)],
    ['ONVIF camera password', forms(ONVIF_PASSWORD, 'admin').concat(forms(`${ONVIF_PASSWORD}-wrong`, 'admin'))],
    ['API key', forms(t.keys.operator).concat(forms(t.keys.admin))],
  ];
  const leaks: string[] = [];
  for (const [what, variants] of secrets) {
    for (const v of variants) {
      const at = everything.indexOf(v);
      if (at >= 0) leaks.push(`${what} as ${JSON.stringify(v)}: …${everything.slice(Math.max(0, at - 200), at + 60)}…`);
    }
  }
  assert.deepEqual(leaks, []);
  // The log still says what a person needs: which camera, and why.
  assert.match(t.logs(), /auth failed/);
});
