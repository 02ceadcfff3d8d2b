// The wall's overlay places a detection box by its frameSize, so a box in the
// camera's pixels lands on the same spot of the tile whether the tile plays the
// 720p main stream or the 360p sub-stream, and whatever the tap's size was.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentRect, mapBox } from '../web-wall/src/wall/letterbox.ts';

test('a box in the camera\'s pixels lands on the square in a letterboxed tile, main stream or sub-stream alike', () => {
  // A 48 px square at (400, 156) of a 640×360 scene is at (800, 312), 96 px, on the 1280×720 main stream.
  const box: [number, number, number, number] = [800, 312, 96, 96];
  const element = { w: 400, h: 300 }; // 16:9 picture letterboxed: 400×225 from y 37.5
  for (const [videoW, videoH] of [[1280, 720], [640, 360]] as const) {
    const picture = contentRect(element.w, element.h, videoW, videoH);
    assert.deepEqual(picture, { x: 0, y: 37.5, w: 400, h: 225 });
    const drawn = mapBox(box, [1280, 720], picture);
    assert.deepEqual(drawn, { x: 250, y: 37.5 + 97.5, w: 30, h: 30 }, `playing ${videoW}×${videoH}`);
  }
  // The same detection given in 640×360 pixels (a tap's) maps to the same spot: frameSize carries the scale.
  assert.deepEqual(mapBox([400, 156, 48, 48], [640, 360], contentRect(400, 300, 640, 360)), { x: 250, y: 135, w: 30, h: 30 });
});
