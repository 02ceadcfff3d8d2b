// Video quality diagnosis end to end: simulated RTSP cameras made to show
// each defect with ffmpeg's lavfi filters (a frozen picture, black, a blue
// "no video" screen, blurred,
// three quarters covered, a colour cast, snow), and a normal one. Through the
// real gateway (its own ingest, keyframes from its HLS segments): each defect
// is raised as video_quality with that defect named and a snapshot, once; the
// normal camera raises none; a camera that recovers clears its incident; the
// per-grid rates count them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { findFfmpeg } from '../gateway/video/ffmpeg/locate.ts';
import { launchBrowser, openWall, pageErrors, screenshot } from './helpers/browser.ts';
import { seedBasics, type TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, startVideoGateway, waitFor } from './helpers/video.ts';
import { publish, type Publisher } from './sim/publisher.ts';
import { RtspServer } from './sim/rtsp-server.ts';

const run = promisify(execFile);
const SRC = 'testsrc2=size=640x360:rate=25:duration=10';
/** Each simulated camera: the lavfi graph that shows its defect, and the defect expected (none for the normal one). */
const CAMERAS = {
  normal: { graph: SRC, defect: undefined },
  frozen: { graph: `${SRC},trim=end_frame=1,loop=loop=250:size=1:start=0`, defect: 'frozen' },
  black: { graph: 'color=c=black:size=640x360:rate=25:duration=10', defect: 'black' },
  blank: { graph: 'color=c=0x1848b0:size=640x360:rate=25:duration=10', defect: 'blank' },
  blurred: { graph: `${SRC},boxblur=8:2`, defect: 'blur' },
  covered: { graph: `${SRC},drawbox=x=0:y=0:w=iw*0.75:h=ih:color=0x202020:t=fill`, defect: 'covered' },
  cast: { graph: `${SRC},eq=saturation=0.4,colorbalance=rs=.6:gs=-.3:bs=-.5:rm=.6:gm=-.3:bm=-.5:rh=.6:gh=-.3:bh=-.5`, defect: 'colour_cast' },
  noisy: { graph: `${SRC},noise=alls=40:allf=t`, defect: 'noise' },
} as const;
type Camera = keyof typeof CAMERAS;
const PERSISTENCE_S = 4;

/** H.264 like the camera simulator's clips: 1 s GOP, no B-frames, so a looped clip stays decodable. */
async function clip(name: Camera): Promise<string> {
  const file = join(CLIP_DIR, `quality-${name}-${Buffer.from(CAMERAS[name].graph).toString('base64url').slice(0, 24)}.mp4`);
  if (await access(file).then(() => true, () => false)) return file;
  await mkdir(CLIP_DIR, { recursive: true });
  const temp = `${file}.${process.pid}.tmp.mp4`;
  await run(findFfmpeg().path, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', CAMERAS[name].graph,
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'main', '-pix_fmt', 'yuv420p', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-bf', '0',
    '-an', '-movflags', '+faststart', temp], { timeout: 120_000 });
  await rename(temp, file);
  return file;
}

let server: RtspServer;
const publishers: Publisher[] = [];
let t: TestGateway;
const configFile = join(CLIP_DIR, `video-quality-test-${process.pid}.json`);

type Incident = { id: string; type: string; title: string; titleMessage: { code: string; params: Record<string, string> } | null; source: { id: string }; count: number; status: string; clearedAt: string | null; evidence: { defects?: string[]; snapshots?: string[]; checks?: unknown[] }; gridCode: string | null };
const qualityIncidents = async (): Promise<Incident[]> =>
  ((await t.call('operator', { method: 'GET', url: '/api/incidents?type=video_quality&limit=100' })).json() as { items: Incident[] }).items;
const incidentOf = async (id: string) => (await qualityIncidents()).find((i) => i.source.id === id);
const qualityOf = async (id: string) => (await t.call('operator', { method: 'GET', url: `/api/channels/${id}/quality` })).json() as {
  verdict: string; defects: string[]; checkedAt: string | null; source: string; checks: Array<{ name: string; value: number | null; threshold: number; verdict: string }>; incident: { defects: string[] } | null;
};

before(async () => {
  const names = Object.keys(CAMERAS) as Camera[];
  const files = await Promise.all(names.map(clip));
  server = new RtspServer({ host: '127.0.0.1', port: 0 });
  await server.start();
  names.forEach((name, i) => publishers.push(publish(files[i]!, server.url(name))));
  await waitFor(() => names.every((n) => server.sdp(n) !== undefined), 60_000, 'every simulated camera publishing');
  // One channel with detection: its quality is looked at on the detection tap's frames.
  await writeFile(configFile, JSON.stringify({
    detection: {
      enabled: true, concurrency: 1, generateTestModels: true,
      models: { test: { path: '${dataDir}/models/test-detector-yolov8-320.onnx', intraOpThreads: 1 } },
      profiles: { watch: { model: 'test', fps: 2, rules: [{ name: 'r', classes: ['person'], minScore: 0.5, cooldownSeconds: 600, incidentType: 'intrusion', severity: 'major' }] } },
    },
  }));
  t = await startVideoGateway(['--config', configFile, '--videoQuality.intervalSeconds', '2', '--videoQuality.tapIntervalSeconds', '1', '--videoQuality.persistenceSeconds', String(PERSISTENCE_S)]);
  await seedBasics(t);
  for (const name of names) {
    const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: `q-${name}`, name: `质量-${name}`, kind: 'rtsp', source: { url: server.url(name) }, mode: 'always-on', gridCode: 'D1-S1-G1' } });
    assert.equal(res.statusCode, 201, res.body);
  }
  const tapped = { id: 'q-tap-blurred', name: '质量-检测', kind: 'rtsp', source: { url: server.url('blurred') }, detectionProfile: 'watch', gridCode: 'D1-S2' };
  assert.equal((await t.call('engineer', { method: 'POST', url: '/api/channels', payload: tapped })).statusCode, 201);
  // And one that never comes online: it counts against the online rate, and is never looked at.
  const dead = { id: 'q-dead', name: '质量-离线', kind: 'rtsp', source: { url: 'rtsp://127.0.0.1:1/nothing' }, mode: 'always-on', gridCode: 'D1-S2' };
  assert.equal((await t.call('engineer', { method: 'POST', url: '/api/channels', payload: dead })).statusCode, 201);
});
after(async () => {
  await t?.stop();
  await Promise.all(publishers.map((p) => p.stop()));
  await server?.stop();
  await rm(configFile, { force: true });
});

test('each defect is raised as video_quality naming it, with a snapshot, after the persistence; the normal camera raises none', async () => {
  const defective = (Object.keys(CAMERAS) as Camera[]).filter((n) => CAMERAS[n].defect);
  const incidents = await waitFor(async () => {
    const found = await Promise.all(defective.map((n) => incidentOf(`q-${n}`)));
    return found.every(Boolean) ? (found as Incident[]) : undefined;
  }, 120_000, 'a video_quality incident for every defective camera');
  for (const [i, name] of defective.entries()) {
    const incident = incidents[i]!;
    assert.deepEqual(incident.evidence.defects, [CAMERAS[name].defect], `${name}: ${JSON.stringify(incident.evidence.defects)}`);
    assert.equal(incident.gridCode, 'D1-S1-G1');
    assert.equal(incident.title, `camera q-${name} video quality: ${CAMERAS[name].defect}`);
    assert.deepEqual(incident.titleMessage, { code: 'video_quality_title', params: { camera: `q-${name}`, defects: CAMERAS[name].defect } }, 'coded, for the wall to say');
    assert.equal(incident.evidence.snapshots?.length, 1, `${name} has its snapshot`);
    const jpeg = await t.call('operator', { method: 'GET', url: incident.evidence.snapshots![0]! });
    assert.equal(jpeg.statusCode, 200);
    assert.equal(jpeg.headers['content-type'], 'image/jpeg');
    assert.ok(jpeg.rawPayload.subarray(0, 2).equals(Buffer.from([0xff, 0xd8])), 'a JPEG');
  }
  // The normal camera was looked at as often, and is clean.
  const normal = await qualityOf('q-normal');
  assert.equal(normal.verdict, 'ok', JSON.stringify(normal.checks));
  assert.equal(await incidentOf('q-normal'), undefined);
});

test('the result per camera: every check with value, threshold and verdict, the open incident', async () => {
  const q = await qualityOf('q-black');
  assert.equal(q.verdict, 'defect');
  assert.deepEqual(q.defects, ['black']);
  assert.equal(q.source, 'keyframe', 'no detection on it: keyframes of its own HLS segments');
  assert.ok(Date.now() - Date.parse(q.checkedAt!) < 30_000, 'looked at recently');
  assert.deepEqual(q.checks.map((c) => c.name), ['frozen', 'black', 'blank', 'blur', 'covered', 'colour_cast', 'noise']);
  const black = q.checks.find((c) => c.name === 'black')!;
  assert.equal(black.verdict, 'defect');
  assert.ok(black.value! < black.threshold);
  assert.deepEqual(q.incident?.defects, ['black']);
  const list = (await t.call('operator', { method: 'GET', url: '/api/video/quality' })).json() as { items: Array<{ channelId: string; verdict: string }> };
  assert.equal(list.items.length, Object.keys(CAMERAS).length + 2, 'the eight cameras, the one with detection, the dead one');
  assert.equal(list.items.find((i) => i.channelId === 'q-dead')?.verdict, 'unchecked', 'an offline camera is not looked at');
  assert.equal((await t.call('operator', { method: 'GET', url: '/api/channels/no-such/quality' })).statusCode, 404);
});

test("the console lists each camera's quality: its defects by name, 正常 for the clean one, the checks on hover", async () => {
  const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchBrowser();
  try {
    const page = await openWall(browser, base, t.keys.engineer, '#/console/channels', { locale: 'zh-CN' });
    const cell = (id: string) => `[data-testid=channel-list] tr[data-channel="${id}"] [data-testid=quality]`;
    await page.waitForSelector(`${cell('q-black')}[data-verdict=defect]`, { timeout: 30_000 });
    for (const name of Object.keys(CAMERAS) as Camera[]) {
      const shown = await page.$eval(cell(`q-${name}`), (el) => ({ verdict: (el as HTMLElement).dataset.verdict, defects: (el as HTMLElement).dataset.defects, text: el.textContent, title: el.getAttribute('title') }));
      const defect = CAMERAS[name].defect;
      assert.equal(shown.verdict, defect ? 'defect' : 'ok', name);
      assert.equal(shown.defects, defect ?? '', name);
      assert.match(shown.title ?? '', /^检测于 .+（关键帧）\n画面冻结：/, `${name}: when and every check on hover`);
    }
    assert.match((await page.textContent(cell('q-black')))!, /^黑屏/);
    assert.match((await page.textContent(cell('q-blurred')))!, /^图像模糊/);
    assert.equal(await page.textContent(cell('q-normal')), '正常');
    assert.equal(await page.getAttribute(cell('q-dead'), 'data-verdict'), 'unchecked');
    await screenshot(page, 'video-quality-console');
    assert.deepEqual(pageErrors(page), []);
    // A dispatcher opens the incident: its title in Chinese, defects by name, and the snapshot.
    const incident = (await incidentOf('q-blurred'))!;
    const dispatch = await openWall(browser, base, t.keys.dispatcher, `#/dispatch/${incident.id}`, { locale: 'zh-CN' });
    await dispatch.waitForSelector(`[data-testid=incident-detail][data-incident="${incident.id}"]`, { timeout: 30_000 });
    assert.equal((await dispatch.textContent('.incident-title'))?.trim(), '视频质量异常 · 摄像机 质量-blurred 视频质量异常：图像模糊');
    await dispatch.waitForFunction(() => { const img = document.querySelector<HTMLImageElement>('[data-testid=snapshots] img'); return img?.complete && img.naturalWidth > 0; }, undefined, { timeout: 30_000 });
    await screenshot(dispatch, 'video-quality-incident');
    assert.deepEqual(pageErrors(dispatch), []);
  } finally {
    await browser.close();
  }
});

test('a channel with detection is looked at on the frames its detection tap decodes, with no extra decoding', async () => {
  const incident = await waitFor(() => incidentOf('q-tap-blurred'), 90_000, 'video_quality on the tapped channel');
  assert.deepEqual(incident.evidence.defects, ['blur']);
  const q = await qualityOf('q-tap-blurred');
  assert.equal(q.source, 'tap');
  assert.deepEqual(q.defects, ['blur']);
  // Channels without detection are not tapped: looking at them decodes no stream continuously.
  assert.equal(t.gw.video!.frames.count('q-normal'), 0);
  assert.equal(t.gw.video!.frames.count('q-tap-blurred'), 2, 'detection and quality share the one tap');
});

test('not repeated while it lasts: the incident count stays 1 over several more looks', async () => {
  const before = await incidentOf('q-covered');
  assert.equal(before?.count, 1);
  const looks = new Set<string>();
  await waitFor(async () => {
    const q = await qualityOf('q-covered');
    assert.deepEqual(q.defects, ['covered']);
    looks.add(q.checkedAt!);
    return looks.size >= 3 || undefined;
  }, 60_000, 'three more looks');
  assert.equal((await incidentOf('q-covered'))?.count, 1);
  assert.equal((await qualityIncidents()).filter((i) => i.source.id === 'q-covered').length, 1);
});

test('per grid cell: online rate and quality rate, rolled up to the district', async () => {
  type Rates = { gridCode: string; channels: number; online: number; onlineRate: number | null; checked: number; good: number; qualityRate: number | null };
  const items = await waitFor(async () => {
    const res = (await t.call('operator', { method: 'GET', url: '/api/stats/video' })).json() as { items: Rates[] };
    const district = res.items.find((i) => i.gridCode === 'D1');
    return district && district.checked === 9 && district.online === 9 ? res.items : undefined;
  }, 60_000, 'the nine live cameras online and checked');
  const byCode = new Map(items.map((i) => [i.gridCode, i]));
  const rates = (code: string) => {
    const { channels, online, onlineRate, checked, good, qualityRate } = byCode.get(code)!;
    return { channels, online, onlineRate, checked, good, qualityRate };
  };
  // Eight cameras in the grid cell (one clean); the detection one and the dead one in the other street; all under the district.
  assert.deepEqual(rates('D1-S1-G1'), { channels: 8, online: 8, onlineRate: 1, checked: 8, good: 1, qualityRate: 0.125 });
  assert.deepEqual(rates('D1-S1'), rates('D1-S1-G1'), 'a street counts the cells below it');
  assert.deepEqual(rates('D1-S2'), { channels: 2, online: 1, onlineRate: 0.5, checked: 1, good: 0, qualityRate: 0 });
  assert.deepEqual(rates('D1'), { channels: 10, online: 9, onlineRate: 0.9, checked: 9, good: 1, qualityRate: 0.111 });
});

test('a camera whose picture recovers clears its video_quality incident', async () => {
  const open = await incidentOf('q-black');
  assert.ok(open && open.clearedAt === null);
  // Someone fixes it: the channel now points at a working camera.
  const res = await t.call('engineer', { method: 'PATCH', url: '/api/channels/q-black', payload: { source: { url: server.url('normal') } } });
  assert.equal(res.statusCode, 200, res.body);
  const cleared = await waitFor(async () => {
    const i = await incidentOf('q-black');
    return i?.clearedAt ? i : undefined;
  }, 90_000, 'the incident cleared');
  assert.equal(cleared.id, open.id);
  assert.equal((await qualityOf('q-black')).verdict, 'ok');
});

test('disabling a camera with an open video_quality incident clears it (no look would)', async () => {
  const open = await incidentOf('q-cast');
  assert.ok(open && open.clearedAt === null);
  const res = await t.call('engineer', { method: 'PATCH', url: '/api/channels/q-cast', payload: { enabled: false } });
  assert.equal(res.statusCode, 200, res.body);
  const cleared = await waitFor(async () => {
    const i = await incidentOf('q-cast');
    return i?.clearedAt ? i : undefined;
  }, 30_000, 'the incident cleared');
  assert.equal(cleared.id, open.id);
  assert.equal((await qualityOf('q-cast')).verdict, 'unchecked', 'its old result is gone');
});
