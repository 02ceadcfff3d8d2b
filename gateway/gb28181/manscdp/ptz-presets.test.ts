import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManscdpError } from './errors.ts';
import { decodePtzCmd } from './ptz.ts';
import { checkCruise, checkPreset, decodePresetCmd, encodeCruiseCmd, encodePresetCmd, type CruiseCommand, type PresetCommand } from './ptz-presets.ts';

// Worked out by hand: A5 0F 01 = B5, then + command + byte 5 + byte 6 + byte 7, mod 256.
const PRESETS: [PresetCommand, string][] = [
  [{ action: 'set', index: 3 }, 'A50F018100030039'], // B5+81+03 = 139
  [{ action: 'call', index: 3 }, 'A50F01820003003A'], // B5+82+03 = 13A
  [{ action: 'delete', index: 255 }, 'A50F018300FF0037'], // B5+83+FF = 237
];
const CRUISES: [CruiseCommand, string][] = [
  [{ action: 'add', group: 2, preset: 5 }, 'A50F018402050040'], // B5+84+02+05 = 140
  [{ action: 'remove', group: 1, preset: 0 }, 'A50F01850100003B'], // preset 0: the whole cruise
  [{ action: 'speed', group: 1, speed: 1000 }, 'A50F018601E83054'], // 1000 = 0x3E8: E8 in byte 6, 3 in byte 7's high nibble
  [{ action: 'dwell', group: 1, seconds: 10 }, 'A50F0187010A0047'],
  [{ action: 'start', group: 1 }, 'A50F01880100003E'],
];

describe('preset and cruise PTZCmd', () => {
  it('encodes and decodes the hand-computed vectors', () => {
    for (const [preset, hex] of PRESETS) {
      assert.equal(encodePresetCmd(preset), hex, JSON.stringify(preset));
      assert.deepEqual(decodePresetCmd(hex), { preset });
    }
    for (const [cruise, hex] of CRUISES) {
      assert.equal(encodeCruiseCmd(cruise), hex, JSON.stringify(cruise));
      assert.deepEqual(decodePresetCmd(hex), { cruise });
    }
  });

  it('stops a cruise with the plain stop, which is no preset command', () => {
    const hex = encodeCruiseCmd({ action: 'stop', group: 1 });
    assert.equal(hex, 'A50F0100000000B5');
    assert.equal(decodePresetCmd(hex), undefined);
    assert.deepEqual(decodePtzCmd(hex), { panSpeed: 0, tiltSpeed: 0, zoomSpeed: 0, address: 1 });
  });

  it('carries a PTZ address above 255 in byte 7 beside the value', () => {
    // address 0x1AB: byte 3 AB, byte 7 low nibble 1; A5+0F+AB+82+07+01 = 1E9
    assert.equal(encodePresetCmd({ action: 'call', index: 7 }, 0x1ab), 'A50FAB82000701E9');
  });

  it('names every bad field', () => {
    assert.deepEqual(checkPreset({ action: 'goto', index: 0, x: 1 }).map((p) => p.field).sort(), ['preset.action', 'preset.index', 'preset.x']);
    assert.deepEqual(checkPreset(7).map((p) => p.field), ['preset']);
    assert.deepEqual(checkPreset({ action: 'set', index: 2, name: '东门' }), []);
    assert.deepEqual(checkPreset({ action: 'call', index: 2, name: '东门' }).map((p) => p.field), ['preset.name']);
    assert.deepEqual(checkCruise({ action: 'speed', group: 300, speed: 5000 }).map((p) => p.field), ['cruise.group', 'cruise.speed']);
    assert.deepEqual(checkCruise({ action: 'start', group: 1, preset: 2 }).map((p) => p.field), ['cruise.preset']);
    assert.deepEqual(checkCruise({ action: 'fly', group: 1 }).map((p) => p.field), ['cruise.action']);
    assert.throws(() => encodePresetCmd({ action: 'set', index: 256 }), (e) => e instanceof ManscdpError && e.code === 'PTZ_BAD_INPUT' && e.field === 'preset.index');
  });
});
