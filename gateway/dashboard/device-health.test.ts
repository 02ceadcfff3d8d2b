// Device health for the dashboard over a real (SQLite) registry: online rate by
// kind and by cell, the longest offline first, limited to the caller's cells.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RegistryService, SqliteRegistryStore, SYSTEM_ACTOR } from '../../device-registry/index.ts';
import { deviceHealth } from './device-health.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-device-health-'));
const store = new SqliteRegistryStore(join(dir, 'registry.db'));
const registry = new RegistryService(store);
const NOW = Date.UTC(2026, 11, 7, 4, 0);
const MIN = 60_000;

before(async () => {
  for (const grid of [
    { code: 'D', name: '区', level: 'district' },
    { code: 'S1', name: '一街', level: 'street', parentCode: 'D' },
    { code: 'S2', name: '二街', level: 'street', parentCode: 'D' },
  ]) await registry.create('grids', grid, SYSTEM_ACTOR);
  const camera = (id: string, gridCode: string, enabled = true) =>
    registry.create('channels', { id, name: `摄像机-${id}`, kind: 'rtsp', source: { url: `rtsp://10.0.0.1/${id}` }, enabled, gridCode }, SYSTEM_ACTOR);
  await camera('cam-1', 'S1');
  await camera('cam-2', 'S1');
  await camera('cam-3', 'S2');
  await camera('cam-off', 'S2', false);
  for (const [id, kind, gridCode] of [['gas-1', 'gas', 'S1'], ['water-1', 'water_level', 'S2']] as const) {
    await registry.create('sensors', { id, name: `传感器-${id}`, kind, gridCode, mqtt: { clientId: id, username: id, password: `pw-${id}-secret` }, unit: '%' }, SYSTEM_ACTOR);
  }
  await registry.setStatus('channels', 'cam-1', { state: 'online', since: NOW - 5 * MIN });
  await registry.setStatus('channels', 'cam-2', { state: 'offline', reason: 'connection refused', since: NOW - 30 * MIN });
  await registry.setStatus('channels', 'cam-3', { state: 'idle', since: NOW - 60 * MIN });
  await registry.setStatus('sensors', 'gas-1', { state: 'offline', reason: 'no reading', since: NOW - 90 * MIN });
  await registry.setStatus('sensors', 'water-1', { state: 'online', since: NOW - MIN });
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('online rate by kind and by cell; disabled devices left out; the longest offline first', async () => {
  const health = await deviceHealth(registry, () => true, NOW);
  assert.deepEqual(health.byKind, [
    { key: 'camera', devices: 3, online: 2, onlineRate: 0.667 },
    { key: 'gas', devices: 1, online: 0, onlineRate: 0 },
    { key: 'water_level', devices: 1, online: 1, onlineRate: 1 },
  ]);
  assert.deepEqual(health.byGrid, [{ key: 'S1', devices: 3, online: 1, onlineRate: 0.333 }, { key: 'S2', devices: 2, online: 2, onlineRate: 1 }]);
  assert.deepEqual(health.longestOffline.map((d) => [d.id, d.kind, d.gridCode, d.reason, d.offlineSeconds]), [
    ['gas-1', 'gas', 'S1', 'no reading', 90 * 60],
    ['cam-2', 'camera', 'S1', 'connection refused', 30 * 60],
  ]);
  assert.equal(health.longestOffline[0]!.since, new Date(NOW - 90 * MIN).toISOString());
  assert.ok(!JSON.stringify(health).includes('secret'), 'no credential in the figures');
});

test('limited to the caller\'s cells', async () => {
  const health = await deviceHealth(registry, (code) => code === 'S2', NOW);
  assert.deepEqual(health.byGrid.map((g) => g.key), ['S2']);
  assert.deepEqual(health.byKind.map((k) => [k.key, k.devices]), [['camera', 1], ['water_level', 1]]);
  assert.deepEqual(health.longestOffline, []);
});
