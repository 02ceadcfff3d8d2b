// The rules' object filters (Frigate's): per-class scores, area and aspect as
// fractions of the picture, required zones, object masks, and class-agnostic
// NMS; and geometry that means the same place at any frame size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nms } from './postprocess/nms.ts';
import { ruleMatches, type Rule } from './rules.ts';

const HD = { width: 1280, height: 720 };
const SD = { width: 640, height: 360 };
const base: Rule = { name: 'r', classes: ['person', 'car'], minScore: 0.5, minArea: 0, dwellSeconds: 0, cooldownSeconds: 60, incidentType: 'intrusion', severity: 'major' };
/** A box in fractions of the picture, in pixels of `frame`. */
const px = (frame: { width: number; height: number }, x: number, y: number, w: number, h: number): [number, number, number, number] => [x * frame.width, y * frame.height, w * frame.width, h * frame.height];

test('per-class minScores replace the rule\'s minScore for their class only', () => {
  const rule: Rule = { ...base, minScores: { person: 0.6 } };
  const box = px(SD, 0.4, 0.4, 0.1, 0.2);
  assert.equal(ruleMatches(rule, 'person', 0.55, box, SD), false, 'person needs 0.6');
  assert.equal(ruleMatches(rule, 'person', 0.65, box, SD), true);
  assert.equal(ruleMatches(rule, 'car', 0.55, box, SD), true, 'car keeps the rule\'s 0.5');
  assert.equal(ruleMatches(rule, 'car', 0.45, box, SD), false);
});

test('minArea and maxArea are fractions of the picture: the same object matches alike at 720p and 360p', () => {
  const rule: Rule = { ...base, minArea: 0.01, maxArea: 0.1 };
  for (const frame of [HD, SD]) {
    assert.equal(ruleMatches(rule, 'person', 0.9, px(frame, 0.1, 0.1, 0.05, 0.1), frame), false, `0.005 of the picture is too small at ${frame.width}`);
    assert.equal(ruleMatches(rule, 'person', 0.9, px(frame, 0.1, 0.1, 0.1, 0.2), frame), true, `0.02 matches at ${frame.width}`);
    assert.equal(ruleMatches(rule, 'person', 0.9, px(frame, 0.1, 0.1, 0.5, 0.5), frame), false, `0.25 is too big at ${frame.width}`);
  }
});

test('minAspect and maxAspect bound width / height in pixels', () => {
  const rule: Rule = { ...base, minAspect: 0.2, maxAspect: 0.8 }; // standing people, not lying ones or cars
  assert.equal(ruleMatches(rule, 'person', 0.9, [100, 100, 40, 100], SD), true, '0.4');
  assert.equal(ruleMatches(rule, 'person', 0.9, [100, 100, 100, 40], SD), false, '2.5 is too wide');
  assert.equal(ruleMatches(rule, 'person', 0.9, [100, 100, 10, 100], SD), false, '0.1 is too narrow');
});

test('zones: the bottom-centre decides, the same fractions at 720p and 360p; required zones all have to hold', () => {
  const rightHalf: Array<[number, number]> = [[0.5, 0], [1, 0], [1, 1], [0.5, 1]];
  const bottomHalf: Array<[number, number]> = [[0, 0.5], [1, 0.5], [1, 1], [0, 1]];
  const rule: Rule = { ...base, zone: { name: 'right', polygon: rightHalf } };
  const required: Rule = { ...rule, requiredZones: [{ name: 'bottom', polygon: bottomHalf }] };
  for (const frame of [HD, SD]) {
    // left edge at 0.45, 0.1 wide: bottom-centre at x 0.5 + 0.01 inside the right half; at 0.35 it is outside
    assert.equal(ruleMatches(rule, 'person', 0.9, px(frame, 0.46, 0.1, 0.1, 0.2), frame), true, `in the right half at ${frame.width}`);
    assert.equal(ruleMatches(rule, 'person', 0.9, px(frame, 0.35, 0.1, 0.1, 0.2), frame), false, `left of it at ${frame.width}`);
    assert.equal(ruleMatches(required, 'person', 0.9, px(frame, 0.6, 0.1, 0.1, 0.2), frame), false, `right but at the top (bottom at 0.3) at ${frame.width}`);
    assert.equal(ruleMatches(required, 'person', 0.9, px(frame, 0.6, 0.5, 0.1, 0.2), frame), true, `right and bottom at ${frame.width}`);
  }
  const onlyRequired: Rule = { ...base, requiredZones: [{ name: 'right', polygon: rightHalf }, { name: 'bottom', polygon: bottomHalf }] };
  assert.equal(ruleMatches(onlyRequired, 'person', 0.9, px(SD, 0.6, 0.1, 0.1, 0.2), SD), false, 'in one of two required zones is not enough');
  assert.equal(ruleMatches(onlyRequired, 'person', 0.9, px(SD, 0.6, 0.5, 0.1, 0.2), SD), true);
});

test('object masks: an object whose bottom-centre stands in a mask is ignored; one only overlapping it is not', () => {
  const carPark: Array<[number, number]> = [[0, 0.6], [0.3, 0.6], [0.3, 1], [0, 1]];
  const rule: Rule = { ...base, masks: [carPark] };
  assert.equal(ruleMatches(rule, 'car', 0.9, px(SD, 0.05, 0.5, 0.1, 0.2), SD), false, 'bottom-centre (0.1, 0.7) in the mask');
  assert.equal(ruleMatches(rule, 'car', 0.9, px(SD, 0.25, 0.3, 0.2, 0.2), SD), true, 'overlaps the mask, stands at (0.35, 0.5) outside it');
});

test('NMS: per class by default; class-agnostic keeps one box for one object scored as two classes', () => {
  const boxes = [
    { x1: 10, y1: 10, x2: 60, y2: 110, score: 0.9, cls: 0 },
    { x1: 12, y1: 12, x2: 62, y2: 112, score: 0.7, cls: 1 },
    { x1: 300, y1: 10, x2: 350, y2: 110, score: 0.6, cls: 1 },
  ];
  assert.deepEqual(nms(boxes, 0.45).map((b) => b.score), [0.9, 0.7, 0.6]);
  assert.deepEqual(nms(boxes, 0.45, 300, true).map((b) => b.score), [0.9, 0.6]);
});
