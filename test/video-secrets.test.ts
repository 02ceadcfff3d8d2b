// No camera credential leaves the video room: a distinctive password that
// needs percent-encoding is planted in channels whose cameras refuse it, are
// unreachable, or accept it, and then searched for in every status the API
// gives, the registry's channel, the status events and the whole log (debug
// level, so the logged ffmpeg command lines are in it): plain, percent-encoded
// in either hex case, and as Basic auth's base64 of user:password.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ChannelVideoStatus } from '../gateway/video/index.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, startVideoGateway, statusOf, waitFor } from './helpers/video.ts';

const USER = 'admin';
const PASSWORD = 'P@ss:w/rd#Zx9%';
const WRONG = 'Wr0ng:P@ss/#%Qy7';

/** Every form a password may take in text. */
function forms(password: string): string[] {
  const encoded = encodeURIComponent(password);
  return [
    password,
    encoded,
    encoded.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    Buffer.from(`${USER}:${password}`).toString('base64'),
    Buffer.from(`${USER}:${encoded}`).toString('base64'),
  ];
}
const FORMS = [...forms(PASSWORD), ...forms(WRONG)];

let sim: CameraSimulator;
let t: TestGateway;
const events: ChannelVideoStatus[] = [];

async function addChannel(id: string, url: string, password: string) {
  const res = await t.call('engineer', {
    method: 'POST', url: '/api/channels',
    payload: { id, name: id, kind: 'rtsp', mode: 'always-on', source: { url, username: USER, password } },
  });
  assert.equal(res.statusCode, 201, res.body);
}

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'locked', clip: 'h264-360p' }], credentials: { username: USER, password: PASSWORD } });
  await sim.waitReady('locked', 60_000);
  t = await startVideoGateway(['--log.level', 'debug']);
  t.gw.video!.manager.on('channel.status', (s) => void events.push(s));
  await addChannel('right', sim.url('locked'), PASSWORD);
  await addChannel('wrong', sim.url('locked'), WRONG);
  await addChannel('unreach', 'rtsp://127.0.0.1:1/cam', PASSWORD);
  // Credentials written into the URL itself take the same way (the registry moves them out of the URL).
  const res = await t.call('engineer', {
    method: 'POST', url: '/api/channels',
    payload: { id: 'in-url', name: 'in-url', kind: 'rtsp', mode: 'always-on', source: { url: sim.url('locked').replace('rtsp://', `rtsp://${USER}:${encodeURIComponent(WRONG)}@`) } },
  });
  assert.equal(res.statusCode, 201, res.body);
});
after(async () => {
  await t?.stop();
  await sim?.stop();
});

test('wrong password, unreachable, right password: the reasons, and lastError shows the camera as host:port/path', async () => {
  await waitFor(async () => (await statusOf(t, 'right')).state === 'online' || undefined, 20_000, 'right online');
  for (const [id, reason] of [['wrong', 'auth failed'], ['in-url', 'auth failed'], ['unreach', 'unreachable']] as const) {
    const s = await waitFor(async () => {
      const st = await statusOf(t, id);
      return st.reason === reason && st.lastError ? st : undefined;
    }, 20_000, `${id}: ${reason}`);
    assert.ok(!s.lastError!.includes('@'), `no userinfo: ${s.lastError}`);
  }
  const unreach = await statusOf(t, 'unreach');
  assert.match(unreach.lastError!, /rtsp:\/\/127\.0\.0\.1:1\/cam/, 'a person sees which camera');
  // Both runs' failures are logged, so the search below covers them.
  await waitFor(() => (t.logs().match(/"msg":"ingest ended"/g)?.length ?? 0) >= 3 || undefined, 10_000, 'ingest ended lines');
});

test('no form of either password in any status, registry channel, status event or log line', async () => {
  const texts: Array<[string, string]> = [
    ['status list', (await t.call('operator', { method: 'GET', url: '/api/channels/status' })).body],
    ['events', JSON.stringify(events)],
    ['log', t.logs()],
  ];
  for (const id of ['right', 'wrong', 'unreach', 'in-url']) {
    texts.push([`${id} status`, (await t.call('operator', { method: 'GET', url: `/api/channels/${id}/status` })).body]);
    texts.push([`${id} channel`, (await t.call('admin', { method: 'GET', url: `/api/channels/${id}` })).body]);
  }
  assert.match(t.logs(), /"msg":"starting ffmpeg"/, 'the command lines were logged (debug) and searched');
  for (const [where, text] of texts) {
    for (const form of FORMS) assert.ok(!text.includes(form), `${where} holds ${form}`);
  }
});
