// Sub-streams (子码流): a channel's second RTSP URL in the registry (credentials
// handled as the main source's: never shown), served as HLS and FLV from its
// own ingest (one camera connection per stream), started only when a player
// asks for it and stopped when nobody watches, with its own status.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, ffprobe, startVideoGateway, statusOf, waitFor, type Status } from './helpers/video.ts';

const PASSWORD = 'Sub-Secret-9';
let sim: CameraSimulator;
let t: TestGateway;
let base: string;

before(async () => {
  sim = await startCameraSimulator({
    clipDir: CLIP_DIR,
    streams: [{ path: 'main', clip: 'h264-720p' }, { path: 'sub', clip: 'h264-cif' }],
    credentials: { username: 'admin', password: PASSWORD },
  });
  await sim.waitReady('main', 90_000);
  await sim.waitReady('sub', 90_000);
  t = await startVideoGateway();
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await t?.stop();
  await sim?.stop();
});

const plain = (path: string) => sim.url(path);
const withCreds = (path: string) => sim.url(path, true);
const play = async (id: string, stream?: 'sub' | 'main') =>
  (await t.call('operator', { method: 'GET', url: `/api/channels/${id}/play${stream ? `?stream=${stream}` : ''}` })).json() as { hls: string; flv: string; stream: string };
const subStatus = async (id: string) => (await t.call('operator', { method: 'GET', url: `/api/channels/${id}/sub/status` })).json() as Status & { running: boolean };
const players = (path: string) => sim.server.stats().players[path] ?? 0;

test('registry: subSource of an RTSP channel keeps its credentials out of every answer; null removes it; other kinds refuse it', async () => {
  const created = await t.call('engineer', {
    method: 'POST', url: '/api/channels',
    payload: { id: 'reg-1', name: 'reg', kind: 'rtsp', enabled: false, source: { url: withCreds('main') }, subSource: { url: `rtsp://cam:${PASSWORD}@10.0.0.9/sub?token=abcdefgh1234567890abcdef12` } },
  });
  assert.equal(created.statusCode, 201, created.body);
  assert.ok(!created.body.includes(PASSWORD), 'no password in the answer');
  const body = created.json() as { subSource: { url: string; username: string; credentialsSet: boolean } };
  assert.equal(body.subSource.username, 'cam');
  assert.equal(body.subSource.credentialsSet, true);
  assert.match(body.subSource.url, /^rtsp:\/\/10\.0\.0\.9\/sub\?token=\[REDACTED\]$/);
  // The redacted URL sent back keeps the stored token; the API still shows none of it.
  const patched = await t.call('engineer', { method: 'PATCH', url: '/api/channels/reg-1', payload: { name: 'reg 2', subSource: { url: body.subSource.url } } });
  assert.equal(patched.statusCode, 200, patched.body);
  const audit = await t.call('admin', { method: 'GET', url: '/api/audit?entity=channels&entityId=reg-1' });
  for (const text of [patched.body, audit.body, (await t.call('operator', { method: 'GET', url: '/api/channels/reg-1' })).body]) {
    assert.ok(!text.includes(PASSWORD) && !text.includes('abcdefgh1234567890abcdef12'), 'no sub-stream secret in answers or the audit log');
  }
  const removed = await t.call('engineer', { method: 'PATCH', url: '/api/channels/reg-1', payload: { subSource: null } });
  assert.equal(removed.statusCode, 200, removed.body);
  assert.equal((removed.json() as { subSource?: unknown }).subSource, undefined);
  const rtmp = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { name: 'push', kind: 'rtmp', source: {}, subSource: { url: plain('sub') } } });
  assert.equal(rtmp.statusCode, 400, rtmp.body);
  const bad = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { name: 'bad', kind: 'rtsp', source: { url: plain('main') }, subSource: { url: 'http://x/sub' } } });
  assert.equal(bad.statusCode, 400);
  assert.equal((bad.json() as { errors: Array<{ field: string }> }).errors[0]?.field, 'subSource.url');
  // The OpenAPI document describes it.
  const doc = (await t.call(null, { method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown> };
  assert.ok(JSON.stringify(doc).includes('subSource'), 'subSource is in the OpenAPI document');
  assert.ok(doc.paths['/api/channels/{id}/sub/status'], 'the sub-stream status route is documented');
});

test('import: the subSource columns; export leaves its password blank', async () => {
  const csv = 'id,name,kind,source.url,subSource.url,subSource.password,enabled\n' + `imp-1,imported,rtsp,${plain('main')},${plain('sub')},${PASSWORD},false\n`;
  const res = await t.call('engineer', { method: 'POST', url: '/api/import?entity=channels', headers: { 'content-type': 'text/csv; charset=utf-8' }, payload: csv });
  assert.equal(res.statusCode, 200, res.body);
  const channel = (await t.call('operator', { method: 'GET', url: '/api/channels/imp-1' })).json() as { subSource: { url: string; credentialsSet: boolean } };
  assert.equal(channel.subSource.url, plain('sub'));
  assert.equal(channel.subSource.credentialsSet, true);
  const exported = await t.call('engineer', { method: 'GET', url: '/api/export?entity=channels' });
  assert.match(exported.body, /subSource\.url,subSource\.username,subSource\.password/);
  assert.ok(exported.body.includes(plain('sub')) && !exported.body.includes(PASSWORD));
});

test('the sub-stream plays from its own ingest, only when asked for, with the main source\'s credentials', async () => {
  // On demand: nothing runs until a player asks; the sub URL carries no credentials, the main source's are used.
  const res = await t.call('engineer', {
    method: 'POST', url: '/api/channels',
    payload: { id: 'cam-s', name: 'cam-s', kind: 'rtsp', mode: 'on-demand', source: { url: withCreds('main') }, subSource: { url: plain('sub') } },
  });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal((await subStatus('cam-s')).state, 'idle');

  const sub = await play('cam-s', 'sub');
  assert.equal(sub.stream, 'sub');
  assert.match(sub.hls, /\/media\/[^/]+\/cam-s\/sub\/index\.m3u8$/);
  const [hlsStream] = await ffprobe(`${base}${sub.hls}`);
  assert.deepEqual([hlsStream?.codec_name, hlsStream?.width, hlsStream?.height], ['h264', 352, 288]);
  const flvStreams = await ffprobe(`${base}${sub.flv}`, ['-read_intervals', '%+2']);
  assert.deepEqual(flvStreams.filter((s) => s.codec_type === 'video').map((s) => [s.width, s.height]), [[352, 288]]);

  // The main stream was not started by the sub-stream's player; the sub-stream has its own status.
  const status = await subStatus('cam-s');
  assert.equal(status.state, 'online');
  assert.equal(status.running, true);
  assert.deepEqual([status.input?.width, status.input?.height], [352, 288]);
  assert.equal((await statusOf(t, 'cam-s')).state, 'idle', 'the main stream stays idle');
  assert.equal(players('main'), 0);
  assert.equal(players('sub'), 1, 'one camera connection for the sub-stream, whatever its players (HLS and FLV)');

  // The main stream, asked for, runs beside it with a connection of its own. A player keeps
  // watching the sub-stream meanwhile (the main's first playlist can take longer than the idle time).
  const watching = setInterval(() => void fetch(`${base}${sub.hls}`).then((r) => r.arrayBuffer(), () => undefined), 1000);
  const main = await play('cam-s', 'main');
  assert.equal(main.stream, 'main');
  const [mainStream] = await ffprobe(`${base}${main.hls}`);
  assert.deepEqual([mainStream?.width, mainStream?.height], [1280, 720]);
  assert.equal(players('main'), 1);
  assert.equal(players('sub'), 1);
  clearInterval(watching);

  // The channel status list is about channels: no sub-stream key in it.
  const list = (await t.call('operator', { method: 'GET', url: '/api/channels/status' })).json() as { items: Array<{ channelId: string }> };
  assert.ok(!list.items.some((s) => s.channelId.includes('~')));

  // Nobody watches any more: the sub-stream stops after the idle time (6 s here) and lets the camera go.
  await waitFor(async () => ((await subStatus('cam-s')).state === 'idle' && players('sub') === 0) || undefined, 40_000, 'the sub-stream idle again');
});

test('WebSocket FLV at …/sub/live.flv; a channel without a sub-stream answers the main one', async () => {
  await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-m', name: 'cam-m', kind: 'rtsp', mode: 'on-demand', source: { url: withCreds('main') } } });
  const onlyMain = await play('cam-m', 'sub');
  assert.equal(onlyMain.stream, 'main');
  assert.doesNotMatch(onlyMain.hls, /\/sub\//);
  assert.equal((await t.call('operator', { method: 'GET', url: '/api/channels/cam-m/sub/status' })).statusCode, 404);

  const { flv } = await play('cam-s', 'sub');
  const ws = new WebSocket(`${base.replace('http', 'ws')}${flv}`);
  const bytes = await new Promise<number>((resolve, reject) => {
    let got = 0;
    ws.on('message', (data: Buffer) => {
      got += data.length;
      if (got > 20_000) resolve(got);
    });
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`closed ${code} after ${got} bytes`)));
  });
  ws.removeAllListeners('close');
  ws.close();
  assert.ok(bytes > 20_000);
  assert.equal(players('sub'), 1);
});

test('a wrong sub-stream URL is the sub-stream\'s problem: its status says why, without credentials; the main stream plays', async () => {
  await t.call('engineer', {
    method: 'POST', url: '/api/channels',
    payload: { id: 'cam-w', name: 'cam-w', kind: 'rtsp', mode: 'on-demand', source: { url: withCreds('main') }, subSource: { url: plain('nothing-here') } },
  });
  await t.call('operator', { method: 'GET', url: '/api/channels/cam-w/play?stream=sub' });
  const failed = await waitFor(async () => {
    const s = await subStatus('cam-w');
    return s.state === 'offline' && s.reason !== 'stopped' ? s : undefined;
  }, 30_000, 'the sub-stream offline with a reason');
  assert.equal(failed.reason, 'not found');
  assert.ok(!JSON.stringify(failed).includes(PASSWORD));
  const main = await play('cam-w');
  const [stream] = await ffprobe(`${base}${main.hls}`);
  assert.equal(stream?.width, 1280);
});
