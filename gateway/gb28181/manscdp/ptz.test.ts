import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManscdpError } from './errors.ts';
import { checkPtzMove, decodePtzCmd, encodePtzCmd, validatePtzMove } from './ptz.ts';
import type { PtzMove } from './ptz.ts';

const code = (c: string) => (err: unknown) => err instanceof ManscdpError && err.code === c;

// Expected bytes worked out by hand: header A5 0F, then the sum of bytes 1–7 mod 256.
const VECTORS: [PtzMove, string][] = [
  // A5+0F+01 = B5
  [{}, 'A50F0100000000B5'],
  // B5 + 01 (right) + 40 = F6
  [{ pan: 'right', panSpeed: 0x40 }, 'A50F0101400000F6'],
  // B5 + 0A (left|up) + FF + FF = 2BD → BD
  [{ pan: 'left', tilt: 'up', panSpeed: 255, tiltSpeed: 255 }, 'A50F010AFFFF00BD'],
  // zoom in at speed 15: byte 7 = F0; B5 + 10 + F0 = 1B5 → B5
  [{ zoom: 'in', zoomSpeed: 15 }, 'A50F01100000F0B5'],
  // address 0x2AB: byte 3 = AB, byte 7 = 3<<4 | 2 = 32; A5+0F+AB+20+32 = 1B1 → B1
  [{ zoom: 'out', zoomSpeed: 3, address: 0x2ab }, 'A50FAB20000032B1'],
  // address 4095 = 0xFFF: byte 3 FF, byte 7 0F; A5+0F+FF+0F = 1C2 → C2
  [{ address: 4095 }, 'A50FFF0000000FC2'],
  // right|down|zoom out = 25; B5+25+10+20+10 = 11A → 1A
  [{ pan: 'right', tilt: 'down', zoom: 'out', panSpeed: 0x10, tiltSpeed: 0x20, zoomSpeed: 1 }, 'A50F01251020101A'],
];

describe('encodePtzCmd / decodePtzCmd', () => {
  it('matches the hand-computed vectors both ways', () => {
    for (const [move, hex] of VECTORS) {
      assert.equal(encodePtzCmd(move), hex, JSON.stringify(move));
      const decoded = decodePtzCmd(hex);
      assert.deepEqual(decoded, { panSpeed: 0, tiltSpeed: 0, zoomSpeed: 0, address: 1, ...move });
    }
  });

  it('gives a moving axis a default speed, a still one speed 0', () => {
    // B5 + 02 + 80 = 137 → 37
    assert.equal(encodePtzCmd({ pan: 'left' }), 'A50F010280000037');
    assert.equal(decodePtzCmd(encodePtzCmd({ zoom: 'in' })).zoomSpeed, 8);
  });

  it('round-trips every direction with random speeds and addresses', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let i = 0; i < 500; i++) {
      const move: PtzMove = { panSpeed: rnd(256), tiltSpeed: rnd(256), zoomSpeed: rnd(16), address: rnd(4096) };
      const pan = ([undefined, 'left', 'right'] as const)[rnd(3)];
      const tilt = ([undefined, 'up', 'down'] as const)[rnd(3)];
      const zoom = ([undefined, 'in', 'out'] as const)[rnd(3)];
      if (pan) move.pan = pan;
      if (tilt) move.tilt = tilt;
      if (zoom) move.zoom = zoom;
      assert.deepEqual(decodePtzCmd(encodePtzCmd(move)), move);
    }
  });

  it('accepts lower case, surrounding blanks and another version nibble', () => {
    assert.deepEqual(decodePtzCmd(' a50f0101400000f6 '), decodePtzCmd('A50F0101400000F6'));
    // version 1: byte 2 = 1 << 4 | (A+5+1) mod 16 = 10; A5+10+01 = B6
    assert.equal(decodePtzCmd('A5100100000000B6').address, 1);
  });

  it('refuses bad commands with a clear code', () => {
    assert.throws(() => decodePtzCmd('A50F0100000000B6'), code('PTZ_BAD_CHECKSUM'));
    assert.throws(() => decodePtzCmd('A50F0100000000B'), code('PTZ_BAD_COMMAND'));
    assert.throws(() => decodePtzCmd('A50F0100000000BG'), code('PTZ_BAD_COMMAND'));
    assert.throws(() => decodePtzCmd('B50F0100000000C5'), code('PTZ_BAD_COMMAND'));
    assert.throws(() => decodePtzCmd('A51F0100000000C5'), code('PTZ_BAD_COMMAND'));
    // left and right at once: B5 + 03 = B8
    assert.throws(() => decodePtzCmd('A50F0103000000B8'), code('PTZ_BAD_COMMAND'));
    // 0x81 = set preset 1: A5+0F+01+81+00+01 = 137 → 37
    assert.throws(() => decodePtzCmd('A50F018100010037'), code('PTZ_UNSUPPORTED'));
  });
});

describe('PTZ input validation', () => {
  it('lists every bad field with its rule', () => {
    assert.deepEqual(checkPtzMove({ pan: 'up', panSpeed: 256, zoomSpeed: 16, address: -1, tiltSpeed: 1.5, speed: 3 }), [
      { field: 'speed', message: 'is not a PTZ field' },
      { field: 'pan', message: "must be 'left' or 'right'" },
      { field: 'panSpeed', message: 'must be an integer from 0 to 255' },
      { field: 'tiltSpeed', message: 'must be an integer from 0 to 255' },
      { field: 'zoomSpeed', message: 'must be an integer from 0 to 15' },
      { field: 'address', message: 'must be an integer from 0 to 4095' },
    ]);
    assert.deepEqual(checkPtzMove({ tilt: 'down', zoom: 'in', zoomSpeed: '3' }), [{ field: 'zoomSpeed', message: 'must be an integer from 0 to 15' }]);
    assert.deepEqual(checkPtzMove(null), [{ field: '', message: 'must be an object' }]);
    assert.deepEqual(checkPtzMove({ toString: 1 }), [{ field: 'toString', message: 'is not a PTZ field' }]);
  });

  it('throws PTZ_BAD_INPUT naming the first field, from validate and encode alike', () => {
    const named = (field: string) => (e: unknown) => code('PTZ_BAD_INPUT')(e) && (e as ManscdpError).field === field && (e as ManscdpError).message.startsWith(field);
    assert.throws(() => validatePtzMove({ zoom: 'sideways' }), named('zoom'));
    assert.throws(() => encodePtzCmd({ panSpeed: 300 }), named('panSpeed'));
    assert.deepEqual(validatePtzMove({ pan: 'left', panSpeed: 0 }), { pan: 'left', panSpeed: 0 });
  });
});
