// Scope (分级分权) for GB28181 with registered devices: a key scoped to street A
// sees street A's device among the registrations and can ask it for its
// DeviceInfo; street B's registered device is missing from the list and its
// routes are the 404 of a device that does not exist. The catalog's channels
// take their device's cell, so they follow the same scope. Real SIP server,
// the project's GB28181 device simulator.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '../gateway/sensors/test/harness.ts';
import { platformOf, startGbGateway } from './helpers/gb28181.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { buildCity, normalized, type City } from './helpers/scope-city.ts';
import { GbSimHost } from './sim/gbsim/index.ts';

let t: TestGateway & { sipPort: number };
let city: City;
let host: GbSimHost;

before(async () => {
  t = await startGbGateway();
  city = await buildCity(t);
  host = await GbSimHost.start({ platform: platformOf(t) });
  for (const side of ['a', 'b'] as const) {
    const dev = host.addDevice({ deviceId: city.ids[side].gbDevice, password: 'gb-device-pw', channels: 1, keepaliveSeconds: 0.5 });
    assert.equal((await dev.register()).status, 200);
    dev.startKeepalive();
  }
});
after(async () => {
  await host?.close();
  await t?.stop();
});

test("registered devices, their queries and their catalog's channels follow the caller's scope", async () => {
  const { a, b, none } = city.ids;
  const get = (key: string, url: string) => city.call(key, { method: 'GET', url });
  await waitFor(async () => {
    const all = JSON.stringify((await get(t.keys.operator, '/api/gb28181/registrations')).json());
    return all.includes(a.gbDevice) && all.includes(b.gbDevice);
  }, 10_000, 'both devices registered');
  const mine = JSON.stringify((await get(city.scoped.operator, '/api/gb28181/registrations')).json());
  assert.ok(mine.includes(a.gbDevice) && !mine.includes(b.gbDevice), mine);

  const info = await get(city.scoped.operator, `/api/gb28181/devices/${a.gbDevice}/info`);
  assert.equal(info.statusCode, 200, info.body);
  const outside = await get(city.scoped.operator, `/api/gb28181/devices/${b.gbDevice}/info`);
  const unknown = await get(city.scoped.operator, `/api/gb28181/devices/${none.gbDevice}/info`);
  assert.equal(outside.statusCode, 404);
  assert.equal(normalized(outside.body, b), normalized(unknown.body, none));

  // The catalog (asked at registration) made one channel per device, in the device's cell.
  const catalogChannels = async (key: string) => ((await get(key, '/api/channels?kind=gb28181&limit=500')).json() as { items: Array<{ id: string; gridCode?: string; source: { deviceId?: string } }> }).items
    .filter((c) => c.source.deviceId === a.gbDevice || c.source.deviceId === b.gbDevice);
  await waitFor(async () => (await catalogChannels(t.keys.operator)).length >= 2 || undefined, 10_000, 'the catalog channels');
  const seen = await catalogChannels(city.scoped.operator);
  assert.ok(seen.length >= 1 && seen.every((c) => c.source.deviceId === a.gbDevice && c.gridCode === a.grid), JSON.stringify(seen));
});
