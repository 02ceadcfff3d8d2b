import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapPresets } from './ptz-driver.ts';

test("a camera's presets get indexes: mapped tokens keep theirs, numbered tokens take their number, others the lowest free", () => {
  const stored = [{ index: 3, name: '东门', token: 'tok-a' }, { index: 9, token: 'gone' }];
  const camera = [{ token: 'tok-a', name: 'Preset A' }, { token: '3', name: 'three' }, { token: '12', name: '' }, { token: 'Home', name: 'home' }];
  assert.deepEqual(mapPresets(stored, camera), [
    { index: 1, name: 'three', token: '3' }, // 3 is taken by tok-a: the lowest free index
    { index: 2, name: 'home', token: 'Home' },
    { index: 3, name: '东门', token: 'tok-a' }, // the name people gave it stays
    { index: 12, token: '12' },
  ]);
});

test('a preset the camera no longer lists is dropped; GB28181-style entries without a token too', () => {
  assert.deepEqual(mapPresets([{ index: 1, name: 'x' }, { index: 2, token: 't2' }], []), []);
});

test('no more than 255 indexes', () => {
  const camera = Array.from({ length: 300 }, (_, i) => ({ token: `t${i}`, name: '' }));
  const mapped = mapPresets([], camera);
  assert.equal(mapped.length, 255);
  assert.equal(mapped.at(-1)!.index, 255);
});
