// The registry's REST surface through app.inject(): create, read, list with
// filters and paging, change with merge patch and versions, delete.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rtspChannel, seedBasics, sensor, startTestGateway, type TestGateway } from './helpers/gateway.ts';

let t: TestGateway;
before(async () => {
  t = await startTestGateway();
  await seedBasics(t);
});
after(() => t.stop());

describe('channels', () => {
  test('create an RTSP channel with a Chinese name; credentials in the URL are stored, never returned', async () => {
    const res = await t.call('engineer', {
      method: 'POST', url: '/api/channels',
      payload: rtspChannel('cam-1', { name: '东门广场-01', source: { url: 'rtsp://admin:S3cret%21@10.0.0.1:554/Streaming/Channels/101' } }),
    });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.equal(body.name, '东门广场-01');
    assert.equal(body.source.url, 'rtsp://10.0.0.1:554/Streaming/Channels/101');
    assert.equal(body.source.username, 'admin');
    assert.equal(body.source.credentialsSet, true);
    assert.equal(res.headers.location, '/api/channels/cam-1');
    assert.equal(res.headers.etag, '"1"');
    assert.ok(!res.body.includes('S3cret'));
    const stored = await t.gw.service.getStored('channels', 'cam-1');
    assert.equal(stored?.secret?.password, 'S3cret!', 'the ingest can still read the password');
  });

  test('an RTMP channel gets a generated push key shown once', async () => {
    const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { name: '无人机-01', kind: 'rtmp', source: {} } });
    assert.equal(res.statusCode, 201, res.body);
    const { id, revealedOnce } = res.json();
    assert.match(id, /^cam-[0-9a-f]{10}$/);
    assert.match(revealedOnce.pushKey, /^[A-Za-z0-9_-]{24}$/);
    const again = await t.call('operator', { method: 'GET', url: `/api/channels/${id}` });
    assert.equal(again.json().source.credentialsSet, true);
    assert.ok(!again.body.includes(revealedOnce.pushKey));
  });

  test('a GB28181 channel; the same device channel cannot be registered twice', async () => {
    const gb = { name: 'NVR通道1', kind: 'gb28181', source: { deviceId: '34020000001110000001', channelId: '34020000001320000001' } };
    assert.equal((await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'gb-1', ...gb } })).statusCode, 201);
    const dup = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'gb-2', ...gb } });
    assert.equal(dup.statusCode, 400);
    assert.match(dup.json().message, /already used by channel 'gb-1'/);
  });

  test('list filters: grid (with the cells below), kind, tag, enabled, text search, paging', async () => {
    for (const [id, extra] of [
      ['cam-a', { gridCode: 'D1-S1', tags: ['学校'] }],
      ['cam-b', { gridCode: 'D1-S2', enabled: false }],
      ['cam-c', { gridCode: 'D1-S1-G1', name: '河堤步道-03' }],
    ] as const) {
      const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: rtspChannel(id, extra) });
      assert.equal(res.statusCode, 201, res.body);
    }
    const ids = async (qs: string) => {
      const res = await t.call('operator', { method: 'GET', url: `/api/channels?${qs}` });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json().items as { id: string }[]).map((c) => c.id).sort();
    };
    assert.deepEqual(await ids('grid=D1-S1'), ['cam-1', 'cam-a', 'cam-c']);
    assert.deepEqual(await ids('grid=D1-S1-G1'), ['cam-1', 'cam-c']);
    assert.deepEqual(await ids('kind=gb28181'), ['gb-1']);
    assert.deepEqual(await ids('tag=学校'), ['cam-a']);
    assert.deepEqual(await ids('enabled=false'), ['cam-b']);
    assert.deepEqual(await ids(`q=${encodeURIComponent('河堤')}`), ['cam-c']);
    assert.deepEqual(await ids('q=%25'), [], 'a LIKE wildcard in the search is literal');
    const page = (await t.call('operator', { method: 'GET', url: '/api/channels?limit=2&offset=1' })).json();
    assert.equal(page.items.length, 2);
    assert.equal(page.offset, 1);
    assert.ok(page.total >= 6);
  });

  test('PATCH merges, bumps the version and honours If-Match', async () => {
    const res = await t.call('engineer', { method: 'PATCH', url: '/api/channels/cam-1', payload: { tags: ['广场', '夜间'], mode: 'always-on' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().version, 2);
    assert.equal(res.json().source.credentialsSet, true, 'credentials kept when the source is not touched');
    const stale = await t.call('engineer', { method: 'PATCH', url: '/api/channels/cam-1', headers: { 'if-match': '"1"' }, payload: { name: 'x' } });
    assert.equal(stale.statusCode, 409);
    assert.equal(stale.json().code, 'GW_ERR_STALE_VERSION');
    const ok = await t.call('engineer', { method: 'PATCH', url: '/api/channels/cam-1', headers: { 'if-match': '"2"' }, payload: { location: { lat: 31.21, lng: 121.41 } } });
    assert.equal(ok.statusCode, 200, ok.body);
    const cleared = await t.call('engineer', { method: 'PATCH', url: '/api/channels/cam-1', payload: { source: { password: null }, location: null } });
    assert.equal(cleared.json().source.credentialsSet, false);
    assert.equal(cleared.json().location, undefined);
  });

  test('changing the kind replaces the source', async () => {
    const res = await t.call('engineer', { method: 'PATCH', url: '/api/channels/cam-c', payload: { kind: 'gb28181', source: { deviceId: '34020000001110000002', channelId: '34020000001320000002' } } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().source, { deviceId: '34020000001110000002', channelId: '34020000001320000002', credentialsSet: false });
  });

  test('delete, then 404', async () => {
    assert.equal((await t.call('engineer', { method: 'DELETE', url: '/api/channels/cam-b' })).statusCode, 204);
    const gone = await t.call('engineer', { method: 'GET', url: '/api/channels/cam-b' });
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().code, 'GW_ERR_NOT_FOUND');
  });
});

describe('sensors', () => {
  test('create: password hashed, default topic, rule overrides', async () => {
    const res = await t.call('engineer', { method: 'POST', url: '/api/sensors', payload: sensor('gas-1', { rules: { ch4: { above: 20, recover: 10, forSeconds: 10, severity: 'critical' } } }) });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.equal(body.topic, 'sensors/gas-1/telemetry');
    assert.deepEqual(body.mqtt, { clientId: 'gas-1', username: 'gas-1', passwordSet: true });
    assert.equal(body.rules.ch4.above, 20);
    const stored = await t.gw.service.getStored('sensors', 'gas-1');
    assert.match(String(stored?.secret?.passwordHash), /^scrypt\$/);
  });

  test('a new kind is accepted (extensible); the MQTT client id is unique', async () => {
    const ok = await t.call('engineer', { method: 'POST', url: '/api/sensors', payload: sensor('noise-1', { kind: 'noise_level', unit: 'dB' }) });
    assert.equal(ok.statusCode, 201, ok.body);
    const dup = await t.call('engineer', { method: 'POST', url: '/api/sensors', payload: sensor('gas-2', { mqtt: { clientId: 'gas-1', username: 'x', password: 'longenough' } }) });
    assert.equal(dup.statusCode, 400);
    assert.equal(dup.json().field, 'mqtt.clientId');
  });

  test('a sensor needs a password when created; a patch without one keeps it', async () => {
    const res = await t.call('engineer', { method: 'POST', url: '/api/sensors', payload: sensor('gas-3', { mqtt: { clientId: 'gas-3', username: 'gas-3' } }) });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().field, 'mqtt.password');
    const patched = await t.call('engineer', { method: 'PATCH', url: '/api/sensors/gas-1', payload: { unit: 'ppm', mqtt: { username: 'gas-1b' } } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual(patched.json().mqtt, { clientId: 'gas-1', username: 'gas-1b', passwordSet: true });
  });
});

describe('grid cells and departments', () => {
  test('a parent must exist and sit above the child', async () => {
    const orphan = await t.call('engineer', { method: 'POST', url: '/api/grids', payload: { code: 'X1', name: 'x', level: 'grid', parentCode: 'NOPE' } });
    assert.equal(orphan.statusCode, 400);
    assert.equal(orphan.json().field, 'parentCode');
    const upside = await t.call('engineer', { method: 'POST', url: '/api/grids', payload: { code: 'X2', name: 'x', level: 'district', parentCode: 'D1-S1' } });
    assert.equal(upside.statusCode, 400);
    assert.equal(upside.json().field, 'level');
  });

  test('codes are unique', async () => {
    const dup = await t.call('engineer', { method: 'POST', url: '/api/grids', payload: { code: 'D1', name: 'again', level: 'district' } });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().field, 'code');
  });

  test('a cell cannot be moved under its own descendant', async () => {
    await t.call('engineer', { method: 'POST', url: '/api/grids', payload: { code: 'L1', name: 'a', level: 'street' } });
    await t.call('engineer', { method: 'POST', url: '/api/grids', payload: { code: 'L2', name: 'b', level: 'community', parentCode: 'L1' } });
    const loop = await t.call('engineer', { method: 'PATCH', url: '/api/grids/L1', payload: { parentCode: 'L2', level: 'grid' } });
    assert.equal(loop.statusCode, 400);
    assert.equal(loop.json().field, 'parentCode');
    assert.match(loop.json().message, /loop/);
  });

  test('grid cells and departments change by PATCH', async () => {
    const cell = await t.call('engineer', { method: 'PATCH', url: '/api/grids/D1-S2', payload: { name: '河滨街道(新)', people: [{ name: '刘芳', phone: '13800000002' }] } });
    assert.equal(cell.statusCode, 200, cell.body);
    assert.equal(cell.json().code, 'D1-S2');
    assert.equal(cell.json().parentCode, 'D1');
    assert.equal(cell.json().people[0].name, '刘芳');
    const dept = await t.call('engineer', { method: 'PATCH', url: '/api/departments/dept-1', payload: { contact: { phone: '12345' } } });
    assert.equal(dept.statusCode, 200, dept.body);
    assert.deepEqual(dept.json().contact, { phone: '12345' });
  });

  test('a cell or department still in use cannot be deleted', async () => {
    const cell = await t.call('engineer', { method: 'DELETE', url: '/api/grids/D1-S1-G1' });
    assert.equal(cell.statusCode, 409);
    assert.equal(cell.json().code, 'GW_ERR_IN_USE');
    assert.match(cell.json().message, /channels/);
    const dept = await t.call('engineer', { method: 'DELETE', url: '/api/departments/dept-1' });
    assert.equal(dept.statusCode, 409);
    assert.equal((await t.call('engineer', { method: 'DELETE', url: '/api/grids/L2' })).statusCode, 204);
  });

  test('grid list by parent and level', async () => {
    const res = await t.call('dispatcher', { method: 'GET', url: '/api/grids?parent=D1&level=street' });
    assert.deepEqual(res.json().items.map((g: { code: string }) => g.code), ['D1-S1', 'D1-S2']);
  });
});

describe('runtime status', () => {
  test('status set by the rooms that run devices: filterable, shown with its reason, announced, not audited', async () => {
    const statuses: unknown[] = [];
    const listen = (e: unknown) => statuses.push(e);
    t.gw.service.events.on('device.status', listen);
    const auditBefore = (await t.call('engineer', { method: 'GET', url: '/api/audit?limit=1' })).json().total;
    await t.gw.service.setStatus('channels', 'cam-1', { state: 'offline', reason: 'auth failed' });
    t.gw.service.events.off('device.status', listen);
    assert.deepEqual(statuses, [{ entity: 'channels', id: 'cam-1', state: 'offline', reason: 'auth failed' }]);
    const offline = (await t.call('operator', { method: 'GET', url: '/api/channels?status=offline' })).json();
    assert.deepEqual(offline.items.map((c: { id: string }) => c.id), ['cam-1']);
    assert.equal(offline.items[0].status.reason, 'auth failed');
    assert.ok(Date.parse(offline.items[0].status.since) > 0);
    assert.equal((await t.call('engineer', { method: 'GET', url: '/api/audit?limit=1' })).json().total, auditBefore);
  });
});

describe('registry events', () => {
  test('every change is announced after commit, with redacted views', async () => {
    const seen: unknown[] = [];
    const listener = (e: unknown) => seen.push(e);
    t.gw.service.events.on('device.changed', listener);
    await t.call('engineer', { method: 'POST', url: '/api/channels', payload: rtspChannel('cam-ev', { source: { url: 'rtsp://u:topsecret@10.0.0.9/x' } }) });
    await t.call('engineer', { method: 'PATCH', url: '/api/channels/cam-ev', payload: { enabled: false } });
    await t.call('engineer', { method: 'DELETE', url: '/api/channels/cam-ev' });
    t.gw.service.events.off('device.changed', listener);
    assert.deepEqual(seen.map((e) => (e as { action: string }).action), ['create', 'update', 'delete']);
    const update = seen[1] as { before: { enabled: boolean }; after: { enabled: boolean } };
    assert.equal(update.before.enabled, true);
    assert.equal(update.after.enabled, false);
    assert.ok(!JSON.stringify(seen).includes('topsecret'));
  });
});
