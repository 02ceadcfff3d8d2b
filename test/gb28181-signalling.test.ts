// GB28181 signalling over real sockets with the device simulator: REGISTER
// (digest, wrong password → "auth failed", unknown device, replay, a query
// without Contact, unregister), keepalive
// timeout → offline, catalog of 3 devices × 4 channels into the registry,
// DeviceInfo, PTZ bytes, alarm → event and incident.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodePtzCmd } from '../gateway/gb28181/manscdp/index.ts';
import type { GbAlarm } from '../gateway/gb28181/index.ts';
import { addGbDevice, platformOf, startGbGateway } from './helpers/gb28181.ts';
import { waitFor } from './helpers/video.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { GbSimHost, type GbDeviceSim } from './sim/gbsim/index.ts';

type GbGateway = TestGateway & { sipPort: number };
// API rows as the tests read them.
type ChannelRow = { gridCode?: string; location?: { lat: number }; source: { deviceId: string; channelId: string; catalogStatus?: string; manufacturer?: string } };
type IncidentRow = { type: string; severity: string; gridCode?: string; source: { kind: string; id: string } };

const deviceStatus = async (t: TestGateway, id: string) =>
  ((await t.call('operator', { method: 'GET', url: `/api/gb28181/devices/${id}` })).json() as { status: { state: string; reason?: string } }).status;

describe('GB28181 registration', () => {
  let t: GbGateway;
  let host: GbSimHost;
  before(async () => {
    t = await startGbGateway();
    host = await GbSimHost.start({ platform: platformOf(t) });
    await addGbDevice(t, { id: '34020000001320000001', password: 'right-pass-1' });
    await addGbDevice(t, { id: '34020000001320000002', password: 'right-pass-2', enabled: false });
  });
  after(async () => {
    await host.close();
    await t.stop();
  });

  test('a good password registers after the 401 challenge; the device turns online', async () => {
    const dev = host.addDevice({ deviceId: '34020000001320000001', password: 'right-pass-1', channels: 0 });
    const res = await dev.register();
    assert.equal(res.status, 200);
    assert.equal(res.challenges, 1, 'one 401 before the 200');
    assert.equal(res.expires, 3600);
    assert.match(res.date ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
    await waitFor(async () => (await deviceStatus(t, dev.deviceId)).state === 'online', 3000, 'device online');
    const regs = (await t.call('operator', { method: 'GET', url: '/api/gb28181/registrations' })).json() as { items: Array<{ deviceId: string }> };
    assert.deepEqual(regs.items.map((r) => r.deviceId), [dev.deviceId]);
    // Refresh: still one registration, still online.
    assert.equal((await dev.register()).status, 200);
    assert.equal(t.gw.gb28181!.sessions.size, 1);
  });

  test('a wrong password gets 403 and no registration', async () => {
    const other = await GbSimHost.start({ platform: platformOf(t) });
    try {
      const dev = other.addDevice({ deviceId: '34020000001320000001', password: 'wrong', channels: 0 });
      assert.equal((await dev.register()).status, 403);
      assert.equal(t.gw.gb28181!.sessions.get(dev.deviceId)?.remote.port, host.port, 'the real registration is untouched');
      assert.equal((await deviceStatus(t, dev.deviceId)).state, 'online', 'and so is its status');
    } finally {
      await other.close();
    }
  });

  test('a device refused for a wrong password is offline with reason "auth failed"; the right password brings it online', async () => {
    await addGbDevice(t, { id: '34020000001320000003', password: 'right-pass-3' });
    assert.equal((await deviceStatus(t, '34020000001320000003')).state, 'unknown');
    const dev = host.addDevice({ deviceId: '34020000001320000003', password: 'wrong-pass-3', channels: 0 });
    assert.equal((await dev.register()).status, 403);
    const refused = await waitFor(async () => {
      const s = await deviceStatus(t, dev.deviceId);
      return s.state === 'offline' ? s : undefined;
    }, 3000, 'offline after the refused REGISTER');
    assert.equal(refused.reason, 'auth failed');
    dev.options.password = 'right-pass-3';
    assert.equal((await dev.register()).status, 200);
    await waitFor(async () => (await deviceStatus(t, dev.deviceId)).state === 'online' || undefined, 3000, 'online');
    assert.equal((await dev.unregister()).status, 200);
  });

  test('unknown and disabled devices are refused with 403', async () => {
    const unknown = host.addDevice({ deviceId: '34020000001329999999', password: 'x', channels: 0 });
    assert.equal((await unknown.register()).status, 403);
    const disabled = host.addDevice({ deviceId: '34020000001320000002', password: 'right-pass-2', channels: 0 });
    assert.equal((await disabled.register()).status, 403);
    assert.equal(t.gw.gb28181!.sessions.get('34020000001329999999'), undefined);
    assert.match(t.logs(), /"reason":"unknown device"/);
    await waitFor(async () => {
      const s = await deviceStatus(t, disabled.deviceId);
      return s.state === 'offline' && s.reason === 'disabled' ? s : undefined;
    }, 3000, 'the disabled device offline: disabled');
  });

  test('a REGISTER without Contact asks for the binding (RFC 3261 §10.3): 200 with it and its remaining expires, nothing changes', async () => {
    const dev = host.device('34020000001320000001')!;
    const gb = t.gw.gb28181!;
    const before = { ...gb.sessions.get(dev.deviceId)! };
    const counts = { ...(gb.status().register as Record<string, number>) };
    const queried = await dev.queryBinding();
    assert.equal(queried.status, 200);
    assert.equal(queried.challenges, 1, 'asking needs the password too');
    const m = /^<sip:34020000001320000001@127\.0\.0\.1:(\d+)>;expires=(\d+)$/.exec(queried.contact ?? '');
    assert.ok(m, `the binding: ${queried.contact}`);
    assert.equal(Number(m[1]), host.port);
    assert.ok(Number(m[2]) > 3000 && Number(m[2]) <= 3600, `remaining ${m[2]} s`);
    assert.deepEqual(gb.sessions.get(dev.deviceId), before, 'the registration is unchanged (no 3600 s refresh)');
    assert.deepEqual(gb.status().register, { ...counts, challenged: counts.challenged! + 1, queried: counts.queried! + 1 }, 'no registration, so no catalog query');
  });

  test('a replayed Authorization (same nonce) is challenged again, not accepted', async () => {
    const dev = host.device('34020000001320000001')!;
    const count = t.gw.gb28181!.status().register as { challenged: number };
    const challengedBefore = count.challenged;
    const res = await dev.replayNonce();
    assert.equal(res.status, 401);
    assert.equal((t.gw.gb28181!.status().register as { challenged: number }).challenged, challengedBefore + 1);
  });

  test('Expires: 0 unregisters: offline with the reason', async () => {
    const dev = host.device('34020000001320000001')!;
    assert.equal((await dev.unregister()).status, 200);
    const status = await waitFor(async () => {
      const s = await deviceStatus(t, dev.deviceId);
      return s.state === 'offline' ? s : undefined;
    }, 3000, 'device offline');
    assert.equal(status.reason, 'unregistered');
    assert.equal(t.gw.gb28181!.sessions.size, 0);
    // Asking for the binding now: none, and asking does not register.
    const queried = await dev.queryBinding();
    assert.equal(queried.status, 200);
    assert.equal(queried.contact, undefined);
    assert.equal(t.gw.gb28181!.sessions.size, 0);
    assert.equal((await deviceStatus(t, dev.deviceId)).state, 'offline');
  });
});

describe('GB28181 keepalive', () => {
  let t: GbGateway;
  let host: GbSimHost;
  before(async () => {
    t = await startGbGateway();
    host = await GbSimHost.start({ platform: platformOf(t) });
    await addGbDevice(t, { id: '34020000001320000011', password: 'pw-11' });
  });
  after(async () => {
    await host.close();
    await t.stop();
  });

  test('keepalives keep a device online; silence for 2 intervals makes it offline, a new REGISTER brings it back', async () => {
    const dev = host.addDevice({ deviceId: '34020000001320000011', password: 'pw-11', channels: 0, keepaliveSeconds: 0.5 });
    assert.equal((await dev.register()).status, 200);
    dev.startKeepalive();
    await new Promise((r) => setTimeout(r, 3000)); // 3 intervals of 1 s: kept alive throughout
    assert.equal((await deviceStatus(t, dev.deviceId)).state, 'online');
    assert.ok(t.gw.gb28181!.sessions.get(dev.deviceId)!.keepalives >= 4);
    dev.stopKeepalive();
    const offline = await waitFor(async () => {
      const s = await deviceStatus(t, dev.deviceId);
      return s.state === 'offline' ? s : undefined;
    }, 5000, 'offline after missed keepalives');
    assert.match(offline.reason ?? '', /no keepalive for 2 intervals/);
    // A keepalive from a device we no longer consider registered is refused, so it registers again.
    assert.equal(await dev.sendKeepalive(), 403);
    assert.equal((await dev.register()).status, 200);
    await waitFor(async () => (await deviceStatus(t, dev.deviceId)).state === 'online', 3000, 'online again');
  });
});

describe('GB28181 catalog, DeviceInfo, PTZ and alarms', () => {
  let t: GbGateway;
  let host: GbSimHost;
  const devices: GbDeviceSim[] = [];
  const ids = ['34020000001180000001', '34020000001180000002', '34020000001180000003'];
  before(async () => {
    t = await startGbGateway();
    await t.call('engineer', { method: 'POST', url: '/api/grids', payload: { code: 'G-GB', name: 'GB 网格', level: 'grid' } });
    host = await GbSimHost.start({ platform: platformOf(t) });
    for (const [i, id] of ids.entries()) {
      await addGbDevice(t, { id, password: `nvr-${i}`, gridCode: 'G-GB' });
      devices.push(host.addDevice({ deviceId: id, password: `nvr-${i}`, channels: 4, catalogPageSize: 3, charset: i === 1 ? 'UTF-8' : 'GB2312' }));
    }
  });
  after(async () => {
    await host.close();
    await t.stop();
  });

  test('registering 3 NVRs syncs their 12 channels into the registry (catalog answered in 2 messages each)', async () => {
    for (const d of devices) assert.equal((await d.register()).status, 200);
    const channels = await waitFor(async () => {
      const page = (await t.call('operator', { method: 'GET', url: '/api/channels?kind=gb28181&limit=100' })).json() as { items: ChannelRow[] };
      return page.items.length === 12 ? page.items : undefined;
    }, 8000, '12 catalog channels');
    for (const d of devices) {
      const mine = channels.filter((c) => c.source.deviceId === d.deviceId);
      assert.deepEqual(mine.map((c) => c.source.channelId).sort(), [...d.channelIds].sort());
      for (const c of mine) {
        assert.equal(c.gridCode, 'G-GB', 'placed in the device grid');
        assert.equal(c.source.catalogStatus, 'ON');
        assert.ok(c.source.manufacturer);
        assert.ok(c.location && typeof c.location.lat === 'number');
      }
    }
    assert.ok(devices.every((d) => d.received.queries.Catalog === 1 && d.received.queries.DeviceInfo === 1));
    // DeviceInfo lands on the device row.
    const row = (await t.call('operator', { method: 'GET', url: `/api/gb28181/devices/${ids[0]}` })).json() as { info?: { manufacturer?: string; channelCount?: number } };
    assert.equal(row.info?.channelCount, 4);
    assert.ok(row.info?.manufacturer);
  });

  test('a catalog query on demand reports the sync; a channel renamed by hand keeps its name', async () => {
    const first = devices[0]!.channelIds[0]!;
    const patched = await t.call('engineer', { method: 'PATCH', url: `/api/channels/${first}`, payload: { name: '值班室改名' } });
    assert.equal(patched.statusCode, 200);
    const res = await t.call('engineer', { method: 'POST', url: `/api/gb28181/devices/${ids[0]}/catalog` });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as { sumNum: number; received: number; complete: boolean; messages: number; sync: { created: string[]; unchanged: number } };
    assert.equal(body.sumNum, 4);
    assert.equal(body.received, 4);
    assert.equal(body.complete, true);
    assert.equal(body.messages, 2);
    assert.deepEqual(body.sync.created, []);
    assert.equal((await t.call('operator', { method: 'GET', url: `/api/channels/${first}` })).json().name, '值班室改名');
    // Unknown device → 404; a known one that is not registered → 409.
    assert.equal((await t.call('engineer', { method: 'POST', url: '/api/gb28181/devices/34020000001189999999/catalog' })).statusCode, 404);
  });

  test('DeviceInfo and DeviceStatus on demand', async () => {
    const info = await t.call('operator', { method: 'GET', url: `/api/gb28181/devices/${ids[1]}/info` });
    assert.equal(info.statusCode, 200, info.body);
    assert.equal(info.json().channelCount, 4);
    const status = await t.call('operator', { method: 'GET', url: `/api/gb28181/devices/${ids[1]}/device-status` });
    assert.equal(status.statusCode, 200, status.body);
    assert.equal(status.json().online, true);
  });

  test('PTZ: the device receives the 8-byte command with the right bits, speeds and checksum', async () => {
    const channel = devices[2]!.channelIds[1]!;
    const got = new Promise<{ channelId: string; ptzCmd: string }>((resolve) => devices[2]!.once('ptz', resolve));
    const res = await t.call('operator', { method: 'POST', url: `/api/channels/${channel}/ptz`, payload: { pan: 'left', tilt: 'up', panSpeed: 100, tiltSpeed: 50 } });
    assert.equal(res.statusCode, 200, res.body);
    const seen = await got;
    assert.equal(seen.channelId, channel);
    const bytes = Buffer.from(seen.ptzCmd, 'hex');
    assert.equal(bytes.length, 8);
    assert.deepEqual([...bytes.subarray(0, 7)], [0xa5, 0x0f, 0x01, 0x0a, 100, 50, 0x00]);
    assert.equal(bytes[7], bytes.subarray(0, 7).reduce((a, b) => a + b, 0) & 0xff);
    assert.deepEqual(decodePtzCmd(seen.ptzCmd), { pan: 'left', tilt: 'up', panSpeed: 100, tiltSpeed: 50, zoomSpeed: 0, address: 1 });
    // Stop is all zero motion bits.
    const stop = new Promise<{ ptzCmd: string }>((resolve) => devices[2]!.once('ptz', resolve));
    assert.equal((await t.call('operator', { method: 'POST', url: `/api/channels/${channel}/ptz`, payload: {} })).statusCode, 200);
    assert.equal((await stop).ptzCmd.slice(6, 8), '00');
  });

  test('PTZ input is checked: bad fields → 400 naming them; dispatchers may not steer; non-GB channels refused', async () => {
    const channel = devices[2]!.channelIds[0]!;
    const bad = await t.call('operator', { method: 'POST', url: `/api/channels/${channel}/ptz`, payload: { pan: 'sideways', zoomSpeed: 99 } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().field, 'pan');
    assert.deepEqual((bad.json().errors as Array<{ field: string }>).map((e) => e.field).sort(), ['pan', 'zoomSpeed']);
    assert.equal((await t.call('dispatcher', { method: 'POST', url: `/api/channels/${channel}/ptz`, payload: {} })).statusCode, 403);
    assert.equal((await t.call('operator', { method: 'POST', url: '/api/channels/no-such/ptz', payload: {} })).statusCode, 404);
  });

  test('an alarm becomes a typed event and an incident on the channel, in its grid', async () => {
    const dev = devices[0]!;
    const channel = dev.channelIds[2]!;
    const event = new Promise<GbAlarm>((resolve) => t.gw.gb28181!.events.once('alarm', resolve));
    assert.equal(await dev.raiseAlarm({ channelId: channel, priority: 1, method: 5, type: 6, description: '区域入侵', longitude: 121.5, latitude: 31.2 }), 200);
    const alarm = await event;
    assert.equal(alarm.deviceId, dev.deviceId);
    assert.equal(alarm.channelId, channel);
    assert.equal(alarm.priority, 1);
    assert.equal(alarm.method, 5);
    assert.equal(alarm.type, 6);
    assert.deepEqual(alarm.location, { lat: 31.2, lng: 121.5 });
    const incident = await waitFor(async () => {
      const list = (await t.call('dispatcher', { method: 'GET', url: '/api/incidents?limit=10' })).json() as { items: IncidentRow[] };
      return list.items.find((i) => i.type === 'gb28181_intrusion');
    }, 3000, 'the alarm incident');
    assert.equal(incident.severity, 'critical');
    assert.equal(incident.source.kind, 'gb28181');
    assert.equal(incident.source.id, channel);
    assert.equal(incident.gridCode, 'G-GB');
  });
});

describe('GB28181 over TCP and auto-created devices', () => {
  let t: GbGateway;
  let host: GbSimHost;
  before(async () => {
    t = await startGbGateway(['--gb28181.unknownDevices', 'create', '--gb28181.password', 'global-pass']);
    host = await GbSimHost.start({ platform: platformOf(t), sipTransport: 'tcp' });
  });
  after(async () => {
    await host.close();
    await t.stop();
  });

  test('an unknown device with the global password is added to the registry and its catalog synced, all over SIP/TCP', async () => {
    const dev = host.addDevice({ deviceId: '34020000001180000077', password: 'global-pass', channels: 3, catalogPageSize: 1 });
    const res = await dev.register();
    assert.equal(res.status, 200);
    assert.equal(t.gw.gb28181!.sessions.get(dev.deviceId)?.remote.transport, 'tcp');
    const row = (await t.call('operator', { method: 'GET', url: `/api/gb28181/devices/${dev.deviceId}` })).json() as { tags: string[]; passwordSet: boolean };
    assert.deepEqual(row.tags, ['auto-registered']);
    assert.equal(row.passwordSet, false, 'it authenticates with the global password, none is stored for it');
    await waitFor(async () => {
      const page = (await t.call('operator', { method: 'GET', url: '/api/channels?kind=gb28181' })).json() as { total: number };
      return page.total === 3 || undefined;
    }, 8000, '3 channels from 3 catalog messages over TCP');
    const wrong = host.addDevice({ deviceId: '34020000001180000078', password: 'not-global', channels: 0 });
    assert.equal((await wrong.register()).status, 403);
    assert.equal((await t.call('operator', { method: 'GET', url: `/api/gb28181/devices/${wrong.deviceId}` })).statusCode, 404, 'a wrong password adds nothing');
  });
});
