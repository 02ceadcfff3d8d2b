import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStop, velocityOf } from './ptz-velocity.ts';

test('GB28181 speeds become ONVIF velocity magnitudes, the direction the sign', () => {
  assert.deepEqual(velocityOf({ pan: 'right', panSpeed: 255 }), { x: 1, y: 0, zoom: 0 });
  assert.deepEqual(velocityOf({ pan: 'left', panSpeed: 51 }), { x: -0.2, y: 0, zoom: 0 });
  assert.deepEqual(velocityOf({ tilt: 'up', tiltSpeed: 102 }), { x: 0, y: 0.4, zoom: 0 });
  assert.deepEqual(velocityOf({ tilt: 'down', tiltSpeed: 255 }), { x: 0, y: -1, zoom: 0 });
  assert.deepEqual(velocityOf({ zoom: 'in', zoomSpeed: 15 }), { x: 0, y: 0, zoom: 1 });
  assert.deepEqual(velocityOf({ zoom: 'out', zoomSpeed: 3 }), { x: 0, y: 0, zoom: -0.2 });
  assert.deepEqual(velocityOf({ pan: 'left', tilt: 'up', panSpeed: 100, tiltSpeed: 50 }), { x: -0.392, y: 0.196, zoom: 0 });
});

test('an axis without a speed moves at the GB28181 default; a speed without its direction does not move', () => {
  assert.deepEqual(velocityOf({ pan: 'right' }), { x: 0.502, y: 0, zoom: 0 });
  assert.deepEqual(velocityOf({ zoom: 'in' }), { x: 0, y: 0, zoom: 0.533 });
  assert.deepEqual(velocityOf({ panSpeed: 200 }), { x: 0, y: 0, zoom: 0 });
});

test('{} and speeds alone stop; any direction moves', () => {
  assert.equal(isStop(velocityOf({})), true);
  assert.equal(isStop(velocityOf({ panSpeed: 10, zoomSpeed: 3 })), true);
  assert.equal(isStop(velocityOf({ tilt: 'down', tiltSpeed: 1 })), false);
});
