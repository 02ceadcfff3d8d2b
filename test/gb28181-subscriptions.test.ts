// Subscriptions to GB28181 devices against the simulator, in-process gateway:
// SUBSCRIBE for Catalog, Alarm and MobilePosition after a REGISTER, refreshed
// in its dialog before it expires and opened anew after a re-register; a
// catalog NOTIFY adds, turns off and removes a channel; a MobilePosition NOTIFY
// moves the channel's point on the map layer and reaches the event stream of
// the people whose scope holds the channel only.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { addGbDevice, platformOf, startGbGateway } from './helpers/gb28181.ts';
import { openSse, type SseClient } from './helpers/sse.ts';
import { waitFor } from './helpers/video.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { GbSimHost, type GbDeviceSim } from './sim/gbsim/index.ts';

const EAST = '34020000001180000031';
const WEST = '34020000001180000032';

describe('GB28181 subscriptions to devices', () => {
  let t: TestGateway & { sipPort: number };
  let host: GbSimHost;
  let east: GbDeviceSim;
  let west: GbDeviceSim;
  const channel = async (id: string) => t.call('operator', { method: 'GET', url: `/api/channels/${id}` });

  before(async () => {
    t = await startGbGateway(['--gb28181.subscribe.expiresSeconds', '60']);
    for (const code of ['G-EAST', 'G-WEST']) {
      const res = await t.call('engineer', { method: 'POST', url: '/api/grids', payload: { code, name: code, level: 'grid' } });
      assert.equal(res.statusCode, 201, res.body);
    }
    host = await GbSimHost.start({ platform: platformOf(t) });
    await addGbDevice(t, { id: EAST, password: 'east-1', gridCode: 'G-EAST' });
    await addGbDevice(t, { id: WEST, password: 'west-1', gridCode: 'G-WEST' });
    east = host.addDevice({ deviceId: EAST, password: 'east-1', channels: 2, keepaliveSeconds: 0.5 });
    west = host.addDevice({ deviceId: WEST, password: 'west-1', channels: 1, keepaliveSeconds: 0.5 });
    // The device grants 3 s of the 60 asked: the platform must refresh within 2 s.
    east.subscriptions.grantSeconds = 3;
    // A device that offers no alarm subscription.
    west.subscriptions.refuse.add('Alarm');
    // Kept alive throughout (the test gateway wants a keepalive every second).
    for (const d of [east, west]) {
      assert.equal((await d.register()).status, 200);
      d.startKeepalive();
    }
    for (const d of [east, west]) {
      await waitFor(async () => (await channel(d.channelIds[0]!)).statusCode === 200 || undefined, 8000, `${d.deviceId} catalog synced`);
    }
  });
  after(async () => {
    await host.close();
    await t.stop();
  });

  test('a REGISTER brings SUBSCRIBEs for Catalog (Event: Catalog), Alarm and MobilePosition (Event: presence) with Expires', async () => {
    await waitFor(() => east.subscriptions.byKind.size === 3 || undefined, 8000, 'three subscriptions at the east device');
    const first = new Map(east.subscriptions.received.map((r) => [r.kind, r]));
    assert.equal(first.get('Catalog')?.event, 'Catalog');
    assert.equal(first.get('Alarm')?.event, 'presence');
    assert.equal(first.get('MobilePosition')?.event, 'presence');
    assert.ok([...first.values()].every((r) => r.expires === 60), 'the configured Expires is asked for');
    assert.equal(east.subscriptions.byKind.get('MobilePosition')?.interval, '5');
    // The west device refused Alarm (489): not asked again, the other two stand.
    await waitFor(() => west.subscriptions.byKind.size === 2 || undefined, 8000, 'two subscriptions at the west device');
    const refused = t.gw.gb28181!.subscriptions.list().find((s) => s.deviceId === WEST && s.kind === 'Alarm');
    assert.equal(refused?.state, 'refused');
    assert.match(refused?.reason ?? '', /489/);
  });

  test('each subscription is refreshed in its own dialog before the granted Expires runs out', async () => {
    const dialogs = new Map([...east.subscriptions.byKind].map(([kind, s]) => [kind, s.callId]));
    await waitFor(() => [...east.subscriptions.byKind.values()].every((s) => s.requests >= 2) || undefined, 15_000, 'refreshed');
    for (const [kind, s] of east.subscriptions.byKind) assert.equal(s.callId, dialogs.get(kind), `${kind} refreshed in the same dialog`);
    const status = t.gw.gb28181!.subscriptions.list().filter((s) => s.deviceId === EAST);
    assert.ok(status.every((s) => s.state === 'active' && s.refreshes >= 1), JSON.stringify(status));
  });

  test('a catalog NOTIFY adds a channel, turns it off and removes it, without a catalog query', async () => {
    const queries = east.received.queries.Catalog;
    const added = `${EAST.slice(0, 10)}1310009901`;
    const item = { deviceId: added, name: '新增球机', manufacturer: 'CityGW-Sim', status: 'ON' as const, parentId: EAST, longitude: 121.51, latitude: 31.21 };
    assert.equal((await east.subscriptions.notifyCatalog(east, [{ ...item, event: 'ADD' }])).status, 200);
    const row = await waitFor(async () => {
      const res = await channel(added);
      return res.statusCode === 200 ? (res.json() as { name: string; gridCode?: string; source: { deviceId: string; catalogStatus?: string } }) : undefined;
    }, 8000, 'the added channel');
    assert.equal(row.name, '新增球机');
    assert.equal(row.gridCode, 'G-EAST');
    assert.equal(row.source.deviceId, EAST);
    assert.equal((await east.subscriptions.notifyCatalog(east, [{ deviceId: added, event: 'OFF' }])).status, 200);
    await waitFor(async () => ((await channel(added)).json() as { source: { catalogStatus?: string } }).source.catalogStatus === 'OFF' || undefined, 8000, 'OFF');
    // An UPDATE renames it; DEL removes it.
    await east.subscriptions.notifyCatalog(east, [{ ...item, name: '改名球机', event: 'UPDATE' }]);
    await waitFor(async () => ((await channel(added)).json() as { name: string }).name === '改名球机' || undefined, 8000, 'renamed');
    await east.subscriptions.notifyCatalog(east, [{ deviceId: added, event: 'DEL' }]);
    await waitFor(async () => (await channel(added)).statusCode === 404 || undefined, 8000, 'removed');
    assert.equal(east.received.queries.Catalog, queries, 'no catalog query was needed');
  });

  test('a MobilePosition NOTIFY moves the channel on the map and reaches only the streams whose scope holds it', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const keyFor = async (cell: string) =>
      (await t.call('admin', { method: 'POST', url: '/api/keys', payload: { name: `${cell} 值班`, role: 'operator', scope: [cell] } })).json<{ secret: string }>().secret;
    const streams: Record<string, SseClient> = {};
    for (const cell of ['G-EAST', 'G-WEST']) streams[cell] = await openSse(`${base}/api/events?types=device.position`, { authorization: `Bearer ${await keyFor(cell)}` });
    try {
      const moving = east.channelIds[1]!;
      const p = { deviceId: moving, time: '2026-12-07T08:30:00', longitude: 121.6, latitude: 31.3, speed: 42.5, direction: 90 };
      assert.equal((await east.subscriptions.notifyPosition(east, p)).status, 200);
      const layers = async () => (await t.call('admin', { method: 'GET', url: '/api/map/layers?layers=channels' })).json() as {
        channels: { features: Array<{ geometry: { coordinates: number[] }; properties: { id: string; position?: { speed?: number } } }> };
      };
      const feature = await waitFor(async () => {
        const f = (await layers()).channels.features.find((x) => x.properties.id === moving);
        return f?.geometry.coordinates[0] === 121.6 ? f : undefined;
      }, 8000, 'the point moved');
      assert.deepEqual(feature.geometry.coordinates, [121.6, 31.3]);
      assert.equal(feature.properties.position?.speed, 42.5);
      // The channel that did not move keeps its registered place.
      const still = (await layers()).channels.features.find((x) => x.properties.id === east.channelIds[0]);
      assert.deepEqual(still?.geometry.coordinates, [121.5, 31.2]);

      const got = await waitFor(() => streams['G-EAST']!.events.find((e) => e.event === 'device.position'), 8000, 'position event in the east stream');
      assert.equal(got.data.channelId, moving);
      assert.equal(got.data.lng, 121.6);
      assert.equal(got.data.lat, 31.3);
      assert.equal(got.data.direction, 90);
      // The west stream gets its own device's position, and never the east one (events leave in order).
      await west.subscriptions.notifyPosition(west, { deviceId: WEST, time: '2026-12-07T08:30:05', longitude: 121.4, latitude: 31.1 });
      await waitFor(() => streams['G-WEST']!.events.find((e) => e.event === 'device.position'), 8000, 'position event in the west stream');
      assert.deepEqual(streams['G-WEST']!.events.map((e) => e.data.channelId), [west.channelIds[0]], 'a device-level position moves its channel, and only that one reaches west');
      // History is kept per channel.
      assert.equal(t.gw.gb28181!.positions.track(moving).length, 1);
    } finally {
      for (const s of Object.values(streams)) s.close();
    }
  });

  test('after a re-register the subscriptions are opened again in new dialogs', async () => {
    const before = new Map([...east.subscriptions.byKind].map(([kind, s]) => [kind, s.callId]));
    assert.equal((await east.unregister()).status, 200);
    assert.equal((await east.register()).status, 200);
    await waitFor(() => [...east.subscriptions.byKind].every(([kind, s]) => s.callId !== before.get(kind)) || undefined, 8000, 'new dialogs');
    assert.equal(east.subscriptions.byKind.size, 3);
  });
});
