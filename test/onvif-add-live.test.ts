// An ONVIF camera added through the API plays: the ONVIF simulator's profiles
// point at the camera simulator's RTSP streams (main 720p, sub CIF, with the
// camera's credentials), the channel added from it goes online from its main
// stream, and its sub-stream plays at the sub profile's size; a camera whose
// only profile is H.265 is added and plays too (the ingest transcodes it).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';
import { OnvifSimHost, type OnvifDeviceSim } from './sim/onvif/index.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, ffprobe, startVideoGateway, statusOf, waitFor } from './helpers/video.ts';

const PASSWORD = 'Live-Onvif-Secret-3';
let cams: CameraSimulator;
let sims: OnvifSimHost;
let t: TestGateway;
let base: string;
let twoProfiles: OnvifDeviceSim;
let h265Only: OnvifDeviceSim;

before(async () => {
  cams = await startCameraSimulator({
    clipDir: CLIP_DIR,
    streams: [{ path: 'main', clip: 'h264-720p' }, { path: 'sub', clip: 'h264-cif' }, { path: 'hevc', clip: 'h265-720p' }],
    credentials: { username: 'admin', password: PASSWORD },
  });
  for (const path of ['main', 'sub', 'hevc']) await cams.waitReady(path, 90_000);
  sims = await OnvifSimHost.start({ discovery: false });
  twoProfiles = await sims.addDevice({ name: 'live-1', username: 'admin', password: PASSWORD, rtsp: { main: cams.url('main'), sub: cams.url('sub') } });
  h265Only = await sims.addDevice({
    name: 'live-hevc', username: 'admin', password: PASSWORD, rtsp: { main: cams.url('hevc') },
    profiles: [{ token: 'H265Main', name: 'main', encoding: 'H265', width: 1280, height: 720, fps: 25, bitrateKbps: 2048, streamUri: cams.url('hevc') }],
  });
  t = await startVideoGateway();
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await t?.stop();
  await sims?.close();
  await cams?.stop();
});

const add = (d: OnvifDeviceSim, id: string) => t.call('engineer', {
  method: 'POST', url: '/api/onvif/channels',
  payload: { host: '127.0.0.1', port: d.port, username: 'admin', password: PASSWORD, id, name: id, mode: 'always-on' },
});
const play = async (id: string, stream?: 'sub') =>
  (await t.call('operator', { method: 'GET', url: `/api/channels/${id}/play${stream ? `?stream=${stream}` : ''}` })).json() as { hls: string };

test('an added ONVIF camera goes online from its main stream; its sub-stream plays at the sub profile\'s size', async () => {
  const res = await add(twoProfiles, 'onvif-live-1');
  assert.equal(res.statusCode, 201, res.body);
  assert.ok(!res.body.includes(PASSWORD));
  const online = await waitFor(async () => {
    const s = await statusOf(t, 'onvif-live-1');
    return s.state === 'online' ? s : undefined;
  }, 60_000, 'the ONVIF channel online');
  assert.equal(online.input?.width, 1280, 'the main stream is the source');
  const [main] = await ffprobe(`${base}${(await play('onvif-live-1')).hls}`);
  assert.equal(main?.width, 1280);
  const sub = await waitFor(async () => {
    const [stream] = await ffprobe(`${base}${(await play('onvif-live-1', 'sub')).hls}`).catch(() => [undefined]);
    return stream?.width ? stream : undefined;
  }, 60_000, 'the sub-stream playing');
  assert.equal(sub.width, 352, 'the sub profile (CIF) feeds the sub-stream');
  assert.equal(cams.server.stats().players.main, 1, 'one camera connection for the main stream');
});

test('a camera with a single H.265 profile: added without a sub-stream, online (transcoded for the wall)', async () => {
  const res = await add(h265Only, 'onvif-live-hevc');
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().subSource, undefined);
  const online = await waitFor(async () => {
    const s = await statusOf(t, 'onvif-live-hevc');
    return s.state === 'online' ? s : undefined;
  }, 90_000, 'the H.265 channel online');
  assert.equal(online.input?.codec, 'hevc');
  assert.equal(online.transcoding, true);
});
