// Profiles in fractions of the picture: the schema refuses pixel values naming
// the field, the profile check names every problem with its field, and the
// same profile fires at the same place on a 720p and a 360p picture through
// the whole pipeline (the project's test detector in onnxruntime).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { check } from '../../device-registry/index.ts';
import { ChannelDetector, loadModel, type Model, type RawFrame } from '../../detectors/index.ts';
import { ensureModels } from '../../detectors/tools/generate-models.ts';
import { loadConfig } from '../config/load.ts';
import { DetectionProfile } from './config.ts';
import { detectorOptions, profileProblems } from './profiles.ts';

let model: Model;
before(async () => {
  model = await loadModel((await ensureModels())['test-detector-yolov8-320.onnx'], { intraOpNumThreads: 1 });
});
after(() => model?.release());

const rule = (over: Record<string, unknown> = {}) => ({ name: 'r', classes: ['person'], incidentType: 'intrusion', severity: 'major', ...over });
const RIGHT_HALF = [[0.5, 0], [1, 0], [1, 1], [0.5, 1]];

test('schema: pixel zones, masks and areas (above 1) are refused naming the field', () => {
  const fields = (profile: unknown) => check(DetectionProfile, profile).map((e) => e.field);
  assert.deepEqual(fields({ model: 'm', rules: [rule({ zone: { name: 'z', polygon: RIGHT_HALF } })] }), []);
  assert.ok(fields({ model: 'm', rules: [rule({ zone: { name: 'z', polygon: [[320, 0], [640, 0], [640, 360]] } })] }).some((f) => f.startsWith('rules.0.zone.polygon.')), 'a pixel zone');
  assert.ok(fields({ model: 'm', rules: [rule({ masks: [[[0, 0], [2, 0], [0, 1]]] })] }).some((f) => f.startsWith('rules.0.masks.0.')), 'a pixel object mask');
  assert.ok(fields({ model: 'm', motion: { masks: [[[0, 0], [90, 0], [0, 1]]] }, rules: [] }).some((f) => f.startsWith('motion.masks.0.')), 'a pixel motion mask');
  assert.ok(fields({ model: 'm', zones: { gate: [[0, 0], [300, 0], [0, 1]] }, rules: [] }).some((f) => f.startsWith('zones.gate.')), 'a pixel named zone');
  assert.deepEqual(fields({ model: 'm', rules: [rule({ minArea: 2000 })] }), ['rules.0.minArea'], 'an area in pixels²');
  assert.deepEqual(fields({ model: 'm', rules: [rule({ minScores: { person: 1.5 } })] }), ['rules.0.minScores.person']);
  assert.deepEqual(fields({ model: 'm', rules: [rule({ minAspect: 0 })] }), ['rules.0.minAspect']);
  assert.deepEqual(fields({ model: 'm', agnosticNms: 'yes', rules: [] }), ['agnosticNms']);
});

test('profile check: every problem named with its field', () => {
  const problems = profileProblems('p', {
    model: 'test',
    zones: { gate: [[0, 0], [0.5, 0.5], [0.5, 0], [0, 0.5]] },
    rules: [
      rule({ classes: ['person'], minScores: { car: 0.4 }, requiredZones: ['yard'], minArea: 0.2, maxArea: 0.1, minAspect: 2, maxAspect: 1 }) as never,
      rule({ zone: { name: 'z', polygon: [[0, 0], [1, 0], [0, 1], [1, 1]] }, masks: [[[0, 0], [1, 0]]] }) as never,
    ],
  }, model);
  const expect = [/^zones\.gate: edges cross/, /^rules\.1\.zone\.polygon: edges cross/, /^rules\.1\.masks\.0: needs at least 3 points/, /^rules\.0\.minScores\.car: rule 'r': 'car' is not one of the rule's classes/,
    /^rules\.0\.requiredZones: rule 'r': no zone 'yard'/, /^rules\.0\.minArea: rule 'r': 0\.2 is above maxArea 0\.1/, /^rules\.0\.minAspect: rule 'r': 2 is above maxAspect 1/];
  for (const re of expect) assert.ok(problems.some((p) => re.test(p)), `${re} in ${JSON.stringify(problems, null, 1)}`);
  assert.equal(problems.length, expect.length, JSON.stringify(problems));
  // An old pixel zone that reached the profile without the schema (a profiles file from before): refused, saying how to convert.
  const old = profileProblems('p', { model: 'test', rules: [rule({ zone: { name: 'z', polygon: [[320, 0], [640, 0], [640, 360], [320, 360]] } }) as never] }, model);
  assert.match(old.join(), /^rules\.0\.zone\.polygon: point \[320, 0\] lies outside the picture.*divide x by the source's width/);
});

/** Grey with a red square (a "person" to the test detector) at fractions x, y of the picture, its side 0.075 of the width. */
function frame(width: number, height: number, x: number, y: number, ts: number): RawFrame {
  const data = Buffer.alloc(width * height * 3, 128);
  const side = Math.round(width * 0.075);
  const [left, top] = [Math.round(x * width), Math.round(y * height)];
  for (let r = top; r < top + side; r++) for (let c = left; c < left + side; c++) data.set([255, 0, 0], (r * width + c) * 3);
  return { width, height, ts, data };
}

test('the same zone fires at the same place on a 720p, a 360p and a 320×180 picture (tapWidth), and not outside it', async () => {
  const profile = { model: 'test', fps: 2, motion: { enabled: false }, rules: [rule({ zone: { name: 'right', polygon: RIGHT_HALF as Array<[number, number]> } })] } as DetectionProfile;
  assert.deepEqual(profileProblems('p', profile, model), []);
  const run = async (width: number, height: number, x: number) => {
    const detector = new ChannelDetector(detectorOptions('c', profile, model));
    for (let i = 0; i < 4; i++) {
      const f = frame(width, height, x, 0.4, i * 500);
      const { firings } = await detector.process(f);
      if (firings.length) return firings[0]!.track.box.map((v, j) => v / (j % 2 ? height : width)); // as fractions
    }
    return undefined;
  };
  const hd = await run(1280, 720, 0.6);
  const sd = await run(640, 360, 0.6);
  const small = await run(320, 180, 0.6); // a tap at tapWidth 320: the zone does not move
  assert.ok(hd && sd && small, `fired at 720p (${hd}), 360p (${sd}) and 320×180 (${small})`);
  for (let j = 0; j < 4; j++) assert.ok(Math.abs(hd[j]! - sd[j]!) < 0.01 && Math.abs(small[j]! - sd[j]!) < 0.015, `the same place: ${hd} vs ${sd} vs ${small}`);
  assert.ok(Math.abs(hd[0]! - 0.6) < 0.01 && Math.abs(hd[1]! - 0.4) < 0.02, `on the square: ${hd}`);
  assert.equal(await run(1280, 720, 0.2), undefined, 'left half at 720p: no firing');
  assert.equal(await run(640, 360, 0.2), undefined, 'left half at 360p: no firing');
  assert.equal(await run(320, 180, 0.2), undefined, 'left half at 320×180: no firing');
});

test('configuration files: the demo and gateway.yaml load; a pixel zone stops the start naming the field', () => {
  for (const file of ['configs/demo.yaml', 'configs/gateway.yaml']) {
    const config = loadConfig({ argv: ['--config', file], env: {}, cwd: process.cwd() });
    for (const [name, p] of Object.entries(config.detection.profiles)) assert.deepEqual(profileProblems(name, p, model), [], `${file}: profile ${name}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'gw-geometry-'));
  const file = join(dir, 'old.yaml');
  writeFileSync(file, 'detection:\n  profiles:\n    old:\n      model: test\n      rules:\n        - { name: r, classes: [person], incidentType: intrusion, severity: major, zone: { name: z, polygon: [[320, 0], [640, 0], [640, 360]] } }\n');
  assert.throws(() => loadConfig({ argv: ['--config', file], env: {}, cwd: dir }), (err: Error) => /detection\.profiles\.old\.rules\.0\.zone\.polygon\.0\.0/.test(err.message));
});
