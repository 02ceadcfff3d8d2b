// Detection end to end: the camera simulator's red square, the real ffmpeg
// frame tap, the project's own ONNX detector in onnxruntime, rules, and the
// incident door. One red square moving into a zone raises one candidate per
// pass whose snapshot box lies on the square; the same zone (fractions of the
// picture) fires at the same place on a 720p and a 360p camera; a square
// standing still loiters, with the motion gate on and off.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import type { ChannelRunner } from '../gateway/detection/channel-runner.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { CLIP_DIR, startVideoGateway, statusOf, waitFor } from './helpers/video.ts';

let sim: CameraSimulator;
let t: TestGateway;
const liveEvents: Array<{ channelId: string; frameTs: number; detections: Array<{ label: string; box: number[]; trackId?: number }> }> = [];

const RIGHT_HALF = [[0.5, 0], [1, 0], [1, 1], [0.5, 1]]; // fractions of the picture
const TOP_STRIP = [[0, 0], [1, 0], [1, 1 / 6], [0, 1 / 6]];
const rule = (extra: Record<string, unknown>) => ({ name: 'r', classes: ['person'], minScore: 0.5, cooldownSeconds: 600, incidentType: 'intrusion', severity: 'major', ...extra });

before(async () => {
  sim = await startCameraSimulator({
    clipDir: CLIP_DIR,
    streams: [{ path: 'red', clip: 'red-square-360p' }, { path: 'still', clip: 'still-360p' }, { path: 'empty', clip: 'empty-360p' }, { path: 'loiter', clip: 'red-still-360p' }, { path: 'red720', clip: 'red-square-720p' }],
  });
  for (const p of ['red', 'still', 'empty', 'loiter', 'red720']) await sim.waitReady(p, 90_000);
  const config = {
    detection: {
      enabled: true, concurrency: 1, generateTestModels: true,
      models: {
        test: { path: '${dataDir}/models/test-detector-yolov8-320.onnx', intraOpThreads: 1 },
        broken: { path: join(CLIP_DIR, 'not-a-model.onnx'), intraOpThreads: 1 },
      },
      profiles: {
        zone: { model: 'test', fps: 4, rules: [rule({ name: '东侧区域', zone: { name: 'right', polygon: RIGHT_HALF } })] },
        dwell: { model: 'test', fps: 4, rules: [rule({ name: '逗留', zone: { name: 'right', polygon: RIGHT_HALF }, dwellSeconds: 3, incidentType: 'loitering' })] },
        outside: { model: 'test', fps: 4, rules: [rule({ name: '顶部', zone: { name: 'top', polygon: TOP_STRIP } })] },
        // a square standing still in the zone: loitering with the motion gate on (the default) and off
        'loiter-gated': { model: 'test', fps: 2, rules: [rule({ name: '徘徊', zone: { name: 'right', polygon: RIGHT_HALF }, dwellSeconds: 15, incidentType: 'loitering' })] },
        'loiter-ungated': { model: 'test', fps: 2, motion: { enabled: false }, rules: [rule({ name: '徘徊', zone: { name: 'right', polygon: RIGHT_HALF }, dwellSeconds: 15, incidentType: 'loitering' })] },
        // a sensitive motion gate: the empty scene's blob is only 16 grey levels lighter than the background
        anywhere: { model: 'test', fps: 4, motion: { enabled: true, pixelThreshold: 8 }, rules: [rule({ name: '任何位置' })] },
        // Frigate-like filters on the same square: only the rule whose filters it passes fires.
        filters: {
          model: 'test', fps: 4,
          zones: { right: RIGHT_HALF, bottom: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]], top: [[0, 0], [1, 0], [1, 0.5], [0, 0.5]] },
          rules: [
            rule({ name: '必经区域', requiredZones: ['right', 'bottom'], minScores: { person: 0.5 }, minArea: 0.005, maxArea: 0.02, minAspect: 0.8, maxAspect: 1.25, incidentType: 'filter_required' }),
            rule({ name: '遮罩', zone: { name: 'right', polygon: RIGHT_HALF }, masks: [RIGHT_HALF], incidentType: 'filter_mask' }),
            rule({ name: '太小', zone: { name: 'right', polygon: RIGHT_HALF }, maxArea: 0.005, incidentType: 'filter_small' }),
            rule({ name: '宽高比', zone: { name: 'right', polygon: RIGHT_HALF }, minAspect: 2, incidentType: 'filter_aspect' }),
            rule({ name: '两个区域', requiredZones: ['right', 'top'], incidentType: 'filter_two' }),
          ],
        },
        'bad-class': { model: 'test', rules: [rule({ name: 'x', classes: ['dragon'] })] },
        'bad-model': { model: 'broken', rules: [rule({})] },
      },
    },
  };
  writeFileSync(join(CLIP_DIR, 'not-a-model.onnx'), 'this is not ONNX');
  const file = join(CLIP_DIR, `detection-test-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(config)); // JSON is YAML
  t = await startVideoGateway(['--config', file]);
  t.gw.incidents.service.bus.on('event', (e) => {
    if (e.type === 'detection') liveEvents.push(e.payload as never);
  });
  const channels: Array<[string, string, string]> = [
    ['c-zone', 'red', 'zone'], ['c-zone-720', 'red720', 'zone'], ['c-filters', 'red', 'filters'], ['c-dwell', 'red', 'dwell'], ['c-outside', 'red', 'outside'], ['c-empty', 'empty', 'anywhere'], ['c-still', 'still', 'anywhere'],
    ['c-loiter-gated', 'loiter', 'loiter-gated'], ['c-loiter-ungated', 'loiter', 'loiter-ungated'],
    ['c-bad-class', 'red', 'bad-class'], ['c-bad-model', 'red', 'bad-model'],
  ];
  for (const [id, path, profile] of channels) {
    const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id, name: id, kind: 'rtsp', source: { url: sim.url(path) }, detectionProfile: profile } });
    assert.equal(res.statusCode, 201, res.body);
  }
});
after(async () => {
  await t?.stop();
  await sim?.stop();
});

const runner = (id: string) => t.gw.detection!.runners().find((r) => r.channelId === id) as ChannelRunner;
const incidentsOf = async (id: string) => (await t.call('operator', { method: 'GET', url: `/api/incidents?sourceId=${id}` })).json().items as Array<{ id: string; type: string; firstSeen: string; evidence: { snapshots: string[]; detections: Array<{ label: string; box: [number, number, number, number]; trackId?: number }>; frameSize: number[]; model: { name: string } } }>;

test('a red square moving into the zone raises one candidate, whose snapshot box lies on the square; its next pass is another object', async () => {
  await waitFor(() => runner('c-zone')?.status().alarms === 1 || undefined, 30_000, 'the zone alarm');
  const [incident] = await incidentsOf('c-zone');
  assert.equal(incident!.type, 'intrusion');
  const d = incident!.evidence.detections.find((x) => x.label === 'person')!;
  const [x, y, w, h] = d.box;
  assert.ok(Math.abs(w - 48) <= 6 && Math.abs(h - 48) <= 6, `a 48 px square, got ${w}×${h}`);
  assert.ok(Math.abs(y + h / 2 - 180) <= 6, `vertically centred, got y ${y}`);
  // Where the alarmed object was first seen: the channel may start while the square is already in the zone.
  const sightings = liveEvents.filter((e) => e.channelId === 'c-zone').flatMap((e) => e.detections.filter((det) => det.trackId === d.trackId));
  const cameIn = sightings[0]!.box[0]! + 24 < 320;
  // The square moves 15 px between 4 fps samples; on a loaded machine confirmation may come a sample or two later.
  if (cameIn) assert.ok(x + w / 2 >= 300 && x + w / 2 <= 410, `just inside the right half, got x ${x}`);
  else assert.ok(x - sightings[0]!.box[0]! <= 60, `already in the zone when first seen at x ${sightings[0]!.box[0]}: alarmed once confirmed, got x ${x}`);
  assert.deepEqual(incident!.evidence.frameSize, [640, 360]);
  assert.equal(incident!.evidence.model.name, 'test');
  const jpeg = await t.call('operator', { method: 'GET', url: incident!.evidence.snapshots.at(-1)! }); // a repeat adds its snapshot and replaces the detections
  assert.equal(jpeg.statusCode, 200);
  const { data, info } = await sharp(jpeg.rawPayload).raw().toBuffer({ resolveWithObject: true });
  const at = (px: number, py: number) => [...data.subarray((py * info.width + px) * 3, (py * info.width + px) * 3 + 3)];
  const [r, g, b] = at(Math.round(x + w / 2), Math.round(y + h / 2));
  assert.ok(r! > 180 && g! < 90 && b! < 90, `the box centre is on the red square (${r},${g},${b})`);
  assert.ok(liveEvents.some((e) => e.channelId === 'c-zone' && e.detections.some((det) => det.label === 'person')), 'overlay events reach the event stream');
  // The clip loops every 10 s: the square comes back from the left as a new track. The cooldown is per rule and
  // object, so this second intruder is alarmed within the first one's 600 s cooldown (the open incident counts it).
  await waitFor(() => runner('c-zone').status().alarms === 2 || undefined, 30_000, 'the next pass\'s alarm');
});

test('the same zone fires at the same place on a 720p and a 360p camera; the 720p evidence is at 1280×720 with the box on the square', async () => {
  await waitFor(() => (runner('c-zone-720')?.status().alarms ?? 0) >= 1 || undefined, 30_000, 'the 720p zone alarm');
  await waitFor(() => (runner('c-zone')?.status().alarms ?? 0) >= 1 || undefined, 30_000, 'the 360p zone alarm');
  const where = async (id: string) => {
    const [incident] = await incidentsOf(id);
    const d = incident!.evidence.detections.find((x) => x.label === 'person')!;
    const [fw, fh] = incident!.evidence.frameSize as [number, number];
    const [x, y, w, h] = d.box;
    return { incident: incident!, box: d.box, bottomCentre: [(x + w / 2) / fw, (y + h) / fh], size: [w / fw, h / fh] };
  };
  const hd = await where('c-zone-720');
  const sd = await where('c-zone');
  assert.deepEqual(hd.incident.evidence.frameSize, [1280, 720], 'boxes in the camera\'s pixels, not the 640×360 tap\'s');
  for (const [name, at] of [['720p', hd], ['360p', sd]] as const) {
    // In the right half, never before its edge (a zone applied at the wrong scale fires elsewhere). How far past the
    // edge depends on the machine: the square moves 0.023 of the width between 4 fps samples, confirmation takes a
    // few, a loaded machine drops stale frames, and a repeat (the clip loops) replaces the incident's detections with
    // a later pass's: seen at 0.80 under a load of 8 on 2 cores. Only a box off the picture is wrong there.
    assert.ok(at.bottomCentre[0]! >= 0.49 && at.bottomCentre[0]! <= 0.97, `${name}: just inside the right half, at ${at.bottomCentre.map((v) => v.toFixed(3))}`);
    assert.ok(Math.abs(at.bottomCentre[1]! - (0.5 + 24 / 360)) < 0.03, `${name}: the square's bottom, at ${at.bottomCentre[1]!.toFixed(3)}`);
    assert.ok(Math.abs(at.size[0]! - 48 / 640) < 0.01 && Math.abs(at.size[1]! - 48 / 360) < 0.015, `${name}: the square's size, ${at.size.map((v) => v.toFixed(3))}`);
  }
  const jpeg = await t.call('operator', { method: 'GET', url: hd.incident.evidence.snapshots.at(-1)! });
  const { data, info } = await sharp(jpeg.rawPayload).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [1280, 720], 'the snapshot at the camera\'s resolution');
  const [x, y, w, h] = hd.box;
  const i = (Math.round(y + h / 2) * info.width + Math.round(x + w / 2)) * 3;
  const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
  assert.ok(r > 180 && g < 90 && b < 90, `the box centre is on the red square in the snapshot (${r},${g},${b})`);
  const overlay = liveEvents.find((e) => e.channelId === 'c-zone-720' && e.detections.length) as { frameSize?: number[] } | undefined;
  assert.deepEqual(overlay?.frameSize, [1280, 720], 'overlay events are in the camera\'s pixels too');
});

test('filters: of five rules on the square crossing the right half, only the one whose filters it passes fires (required zones, per-class score, area, aspect; not: an object mask, too small, too wide, a required zone it is not in)', async () => {
  await waitFor(async () => (await incidentsOf('c-filters')).length >= 1 || undefined, 30_000, 'the required-zones alarm');
  // Wait until the square has crossed the whole right half (bottom-centre past 0.9 of the width): every rule had its chance.
  await waitFor(() => liveEvents.some((e) => e.channelId === 'c-filters' && e.detections.some((d) => (d.box[0]! + d.box[2]! / 2) / 640 > 0.9)) || undefined, 30_000, 'the square to cross the right half');
  assert.deepEqual([...new Set((await incidentsOf('c-filters')).map((i) => i.type))], ['filter_required']);
});

test('loitering: a square standing still in the zone with a 15 s dwell raises one candidate 15 ± 1 s after it is first seen, motion gate on and off', async () => {
  for (const id of ['c-loiter-gated', 'c-loiter-ungated']) {
    await waitFor(() => runner(id)?.status().alarms === 1 || undefined, 60_000, `${id}'s loitering alarm`);
    const firstSeen = liveEvents.find((e) => e.channelId === id && e.detections.some((d) => d.label === 'person'))!.frameTs;
    const [incident] = await incidentsOf(id);
    assert.equal(incident!.type, 'loitering');
    const dwell = Date.parse(incident!.firstSeen) - firstSeen;
    assert.ok(Math.abs(dwell - 15_000) <= 1000, `${id}: fired ${dwell} ms after the square was first seen`);
    const d = incident!.evidence.detections.find((x) => x.label === 'person')!;
    assert.ok(Math.abs(d.box[0] - 400) <= 4 && Math.abs(d.box[1] - 156) <= 4, `${id}: the box is on the still square (${d.box.join(',')})`);
  }
  await new Promise((r) => setTimeout(r, 3000));
  for (const id of ['c-loiter-gated', 'c-loiter-ungated']) assert.equal(runner(id).status().alarms, 1, `${id} fired once`);
  const gated = runner('c-loiter-gated').status();
  const ungated = runner('c-loiter-ungated').status();
  assert.ok(gated.stillSkipped > 20 && gated.inferred <= 8, `the gate skipped the still frames (inferred ${gated.inferred}, skipped ${gated.stillSkipped})`);
  assert.equal(ungated.stillSkipped, 0);
});

test('dwell: the loitering alarm comes about 3 s later along the square\'s path', async () => {
  // (each pass is a new object, so by now there may have been more than one)
  await waitFor(() => (runner('c-dwell')?.status().alarms ?? 0) >= 1 || undefined, 30_000, 'the dwell alarm');
  const dwell = (await incidentsOf('c-dwell'))[0]!.evidence.detections[0]!;
  // where the alarmed object was first seen in the zone (bottom-centre right of 320)
  const inZone = liveEvents.filter((e) => e.channelId === 'c-dwell').flatMap((e) => e.detections).find((det) => det.trackId === dwell.trackId && det.box[0]! + 24 >= 320)!;
  // the square crosses 592 px in 10 s: 3 s is about 178 px further right
  assert.ok(dwell.box[0] - inZone.box[0]! >= 120, `first seen in the zone at x ${inZone.box[0]}, dwell alarm at x ${dwell.box[0]}`);
});

test('no alarm: a square outside the zone, a scene without a square; a still scene runs no inference', async () => {
  for (const id of ['c-outside', 'c-empty']) {
    const s = runner(id).status();
    assert.equal(s.alarms, 0, id);
    assert.ok(s.inferred > 10, `${id} was analysed (${s.inferred} inferences)`);
  }
  assert.ok(liveEvents.some((e) => e.channelId === 'c-outside'), 'the square was seen outside the zone');
  const still = runner('c-still').status();
  assert.ok(still.frames > 10, `frames arrived (${still.frames})`);
  assert.ok(still.inferred <= 1, `only the first frame is inferred on a still scene (${still.inferred})`);
  assert.equal((await incidentsOf('c-empty')).length, 0);
});

test('bad profiles and models: detection marked failed with the reason, the channel keeps streaming', async () => {
  const status = (await t.call('operator', { method: 'GET', url: '/api/detection/status' })).json() as { models: Array<{ name: string; loaded: boolean; reason?: string }>; channels: Array<{ channelId: string; state: string; reason?: string }> };
  const byId = new Map(status.channels.map((c) => [c.channelId, c]));
  assert.match(byId.get('c-bad-class')!.reason!, /class 'dragon' is not one of the model's/);
  assert.match(byId.get('c-bad-model')!.reason!, /model 'broken' is not loaded.*not a model onnxruntime can load/);
  assert.equal(status.models.find((m) => m.name === 'broken')!.loaded, false);
  for (const id of ['c-bad-class', 'c-bad-model']) assert.equal((await statusOf(t, id)).state, 'online', `${id} still streams`);
  const bad = await t.call('engineer', { method: 'PUT', url: '/api/detection/profiles/zone', payload: { model: 'test', rules: [rule({ classes: ['unicorn'] })] } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().message, /unicorn/);
  // Zones in pixels (the old convention) are refused naming the field, not silently watching another area.
  const pixels = await t.call('engineer', { method: 'PUT', url: '/api/detection/profiles/zone', payload: { model: 'test', rules: [rule({ zone: { name: 'off', polygon: [[320, 0], [640, 0], [640, 360]] } })] } });
  assert.equal(pixels.statusCode, 400);
  assert.match(JSON.stringify(pixels.json()), /rules\.0\.zone\.polygon\.0\.0/);
  const unknownZone = await t.call('engineer', { method: 'PUT', url: '/api/detection/profiles/zone', payload: { model: 'test', rules: [rule({ requiredZones: ['gate'] })] } });
  assert.equal(unknownZone.statusCode, 400);
  assert.match(unknownZone.json().message, /rules\.0\.requiredZones: rule 'r': no zone 'gate'/);
  assert.deepEqual((unknownZone.json().errors as Array<{ field: string }>).map((e) => e.field), ['rules.0.requiredZones']);
});
