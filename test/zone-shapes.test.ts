// The zone editor's model (web-wall/src/console/zone-shapes.ts, pure): a
// profile's polygons with their fields and the rules using them; add, change
// and remove one without touching the rest; a new point on the nearest edge.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addShape, insertPoint, removeShape, roundPoint, setPolygon, shapesOf, type Polygon, type Profile } from '../web-wall/src/console/zone-shapes.ts';

const SQUARE: Polygon = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]];
const profile = (): Profile => ({
  model: 'test',
  zones: { bank: SQUARE, gate: SQUARE },
  motion: { enabled: true, masks: [SQUARE] },
  rules: [
    { name: '逗留', classes: ['person'], zone: { name: '河堤', polygon: SQUARE }, requiredZones: ['bank'], masks: [SQUARE] },
    { name: '车辆', classes: ['car'], requiredZones: ['bank', 'gate'] },
  ],
});

test('every polygon with its field and the rules that use it', () => {
  const shapes = shapesOf(profile());
  assert.deepEqual(shapes.map((s) => [s.field, s.kind, s.name, s.usedBy.join(',')]), [
    ['zones.bank', 'zone', 'bank', '逗留,车辆'],
    ['zones.gate', 'zone', 'gate', '车辆'],
    ['rules.0.zone.polygon', 'ruleZone', '河堤', '逗留'],
    ['rules.0.masks.0', 'objectMask', '#1', '逗留'],
    ['motion.masks.0', 'motionMask', '#1', '逗留,车辆'],
  ]);
});

test('set, add and remove change only their polygon; the profile given stays as it was', () => {
  const p = profile();
  const moved: Polygon = [[0, 0], [1, 0], [1, 1]];
  for (const field of ['zones.gate', 'rules.0.zone.polygon', 'rules.0.masks.0', 'motion.masks.0']) {
    const next = setPolygon(p, field, moved);
    assert.deepEqual(shapesOf(next).map((s) => (s.field === field ? 'moved' : s.polygon)), shapesOf(p).map((s) => (s.field === field ? 'moved' : s.polygon)), field);
    assert.deepEqual(shapesOf(next).find((s) => s.field === field)!.polygon, moved);
  }
  assert.deepEqual(p, profile(), 'not mutated');

  const withoutBank = removeShape(p, 'zones.bank');
  assert.deepEqual(Object.keys(withoutBank.zones!), ['gate']);
  assert.deepEqual(withoutBank.rules.map((r) => r.requiredZones), [[], ['gate']], 'no rule requires a zone that is gone');
  assert.equal(removeShape(p, 'rules.0.zone.polygon').rules[0]!.zone, undefined);
  assert.deepEqual(removeShape(p, 'motion.masks.0').motion, { enabled: true, masks: [] }, 'the motion settings stay');

  const zone = addShape(p, 'zone', { name: 'square' });
  assert.equal(zone.field, 'zones.square');
  assert.deepEqual(zone.profile.zones!.square, []);
  assert.equal(addShape(p, 'objectMask', { rule: 1 }).field, 'rules.1.masks.0');
  assert.equal(addShape(p, 'motionMask').field, 'motion.masks.1');
  const ruleZone = addShape(p, 'ruleZone', { rule: 1 });
  assert.deepEqual([ruleZone.field, ruleZone.profile.rules[1]!.zone], ['rules.1.zone.polygon', { name: '车辆', polygon: [] }]);
});

test('a new point goes on the nearest edge; the first three in order; points kept inside the picture', () => {
  assert.deepEqual(insertPoint([[0, 0]], [1, 0]), [[0, 0], [1, 0]]);
  assert.deepEqual(insertPoint(SQUARE, [0.3, 0.52]), [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.3, 0.52], [0.1, 0.5]], 'on the bottom edge');
  assert.deepEqual(insertPoint(SQUARE, [0.05, 0.3]), [...SQUARE, [0.05, 0.3]], 'on the closing edge (last → first)');
  assert.deepEqual(roundPoint([1.2, -0.1]), [1, 0]);
  assert.deepEqual(roundPoint([0.123456, 0.5]), [0.1235, 0.5]);
});
