// Presets and cruise through POST /api/channels/:id/ptz against the GB28181
// device simulator: the PTZCmd bytes that reach the device, the presets kept
// on the channel with their names, the simulated camera's state, role rules.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addGbDevice, platformOf, startGbGateway } from './helpers/gb28181.ts';
import { waitFor } from './helpers/video.ts';
import { square, type TestGateway } from './helpers/gateway.ts';
import { GbSimHost, type GbDeviceSim } from './sim/gbsim/index.ts';

const DEVICE = '34020000001180000021';

describe('GB28181 presets and cruise', () => {
  let t: TestGateway & { sipPort: number };
  let host: GbSimHost;
  let dev: GbDeviceSim;
  let channel: string;
  const ptz = (role: 'operator' | 'dispatcher', payload: unknown, id = channel) =>
    t.call(role, { method: 'POST', url: `/api/channels/${id}/ptz`, payload: payload as Record<string, unknown> });
  /** Sends a command and returns the PTZCmd the device received for it. */
  const sent = async (payload: unknown): Promise<{ status: number; body: Record<string, unknown>; ptzCmd: string }> => {
    const got = new Promise<{ ptzCmd: string }>((resolve) => dev.once('ptz', resolve));
    const res = await ptz('operator', payload);
    assert.equal(res.statusCode, 200, res.body);
    return { status: res.statusCode, body: res.json() as Record<string, unknown>, ptzCmd: (await got).ptzCmd };
  };

  before(async () => {
    t = await startGbGateway();
    host = await GbSimHost.start({ platform: platformOf(t) });
    await addGbDevice(t, { id: DEVICE, password: 'nvr-21' });
    dev = host.addDevice({ deviceId: DEVICE, password: 'nvr-21', channels: 2 });
    assert.equal((await dev.register()).status, 200);
    channel = dev.channelIds[0]!;
    await waitFor(async () => (await t.call('operator', { method: 'GET', url: `/api/channels/${channel}` })).statusCode === 200 || undefined, 8000, 'catalog synced');
  });
  after(async () => {
    await host.close();
    await t.stop();
  });

  test('set, call and delete reach the device as 0x81/0x82/0x83 with the preset in byte 6; the channel keeps the named list', async () => {
    const set = await sent({ preset: { action: 'set', index: 3, name: '东门' } });
    // A5 0F 01 81 00 03 00, checksum B5+81+03 = 0x39
    assert.equal(set.ptzCmd, 'A50F018100030039');
    assert.deepEqual(set.body.ptzPresets, [{ index: 3, name: '东门' }]);
    assert.equal((await sent({ preset: { action: 'set', index: 1 } })).ptzCmd, 'A50F018100010037');
    assert.deepEqual(dev.ptzState.of(channel).presets, new Set([1, 3]));
    const row = (await t.call('operator', { method: 'GET', url: `/api/channels/${channel}` })).json() as { ptzPresets?: unknown };
    assert.deepEqual(row.ptzPresets, [{ index: 1 }, { index: 3, name: '东门' }]);

    assert.equal((await sent({ preset: { action: 'call', index: 3 } })).ptzCmd, 'A50F01820003003A');
    assert.equal(dev.ptzState.of(channel).at, 3, 'the camera went to preset 3');

    const del = await sent({ preset: { action: 'delete', index: 1 } });
    assert.equal(del.ptzCmd, 'A50F018300010039');
    assert.deepEqual(del.body.ptzPresets, [{ index: 3, name: '东门' }]);
    assert.deepEqual(dev.ptzState.of(channel).presets, new Set([3]));
    // Setting an existing index again keeps its name unless a new one is given.
    assert.deepEqual((await sent({ preset: { action: 'set', index: 3 } })).body.ptzPresets, [{ index: 3, name: '东门' }]);
  });

  test('cruise: points, speed, dwell and start reach the device (0x84–0x88), a stop ends it', async () => {
    assert.equal((await sent({ cruise: { action: 'add', group: 2, preset: 3 } })).ptzCmd, 'A50F01840203003E'); // B5+84+02+03 = 13E
    await sent({ cruise: { action: 'add', group: 2, preset: 5 } });
    // speed 1000 = 0x3E8: E8 in byte 6, 3 in byte 7's high nibble
    assert.equal((await sent({ cruise: { action: 'speed', group: 2, speed: 1000 } })).ptzCmd.slice(6, 14), '8602E830');
    assert.equal((await sent({ cruise: { action: 'dwell', group: 2, seconds: 15 } })).ptzCmd.slice(6, 14), '87020F00');
    assert.equal((await sent({ cruise: { action: 'start', group: 2 } })).ptzCmd.slice(6, 14), '88020000');
    const cruise = dev.ptzState.of(channel).cruises.get(2);
    assert.deepEqual(cruise, { points: [3, 5], speed: 1000, dwellSeconds: 15, running: true });
    assert.equal((await sent({ cruise: { action: 'stop', group: 2 } })).ptzCmd, 'A50F0100000000B5');
    assert.equal(cruise?.running, false);
    await sent({ cruise: { action: 'remove', group: 2, preset: 0 } });
    assert.deepEqual(cruise?.points, []);
  });

  test('alarm linkage: a camera whose preset looks at the incident\'s cell is offered with that preset', async () => {
    const grid = await t.call('engineer', { method: 'POST', url: '/api/grids', payload: { code: 'G-LOOK', name: '东门广场', level: 'grid', polygon: square(121.49, 31.19, 0.02) } });
    assert.equal(grid.statusCode, 201, grid.body);
    const patched = await t.call('engineer', { method: 'PATCH', url: `/api/channels/${channel}`, payload: { ptzPresets: [{ index: 3, name: '东门', gridCode: 'G-LOOK' }] } });
    assert.equal(patched.statusCode, 200, patched.body);
    const near = async () => (await t.call('operator', { method: 'GET', url: '/api/channels/near?lat=31.2&lng=121.5&radius=2000' })).json() as { items: Array<{ id: string; preset?: number }> };
    const items = await waitFor(async () => {
      const list = (await near()).items;
      return list.find((c) => c.id === channel)?.preset !== undefined ? list : undefined;
    }, 8000, 'the preset in the nearest cameras');
    assert.equal(items.find((c) => c.id === channel)?.preset, 3);
    assert.equal(items.find((c) => c.id === dev.channelIds[1])?.preset, undefined, 'a camera without such a preset has none');
    // Setting the preset again from the wall keeps the cell it looks at.
    const again = await sent({ preset: { action: 'set', index: 3 } });
    assert.deepEqual(again.body.ptzPresets, [{ index: 3, name: '东门', gridCode: 'G-LOOK' }]);
  });

  test('bad preset and cruise bodies are 400 naming the field; dispatchers may not; nothing reaches the device', async () => {
    const before = dev.received.ptz.length;
    const bad = await ptz('operator', { preset: { action: 'goto', index: 0 } });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual((bad.json().errors as Array<{ field: string }>).map((e) => e.field).sort(), ['preset.action', 'preset.index']);
    const mixed = await ptz('operator', { preset: { action: 'call', index: 1 }, pan: 'left' });
    assert.equal(mixed.statusCode, 400);
    assert.equal(mixed.json().field, 'pan');
    const cruise = await ptz('operator', { cruise: { action: 'dwell', group: 1, seconds: 5000 } });
    assert.equal(cruise.statusCode, 400);
    assert.equal(cruise.json().field, 'cruise.seconds');
    assert.equal((await ptz('dispatcher', { preset: { action: 'call', index: 3 } })).statusCode, 403);
    assert.equal(dev.received.ptz.length, before);
  });
});
