// Bulk import (CSV and JSON, dry run, all-or-nothing or valid rows, conflicts)
// and export in the same formats.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seedBasics, startTestGateway, type TestGateway } from './helpers/gateway.ts';

let t: TestGateway;
before(async () => {
  t = await startTestGateway();
  await seedBasics(t);
});
after(() => t.stop());

const HEADER = 'id,name,kind,source.url,source.username,source.password,source.deviceId,source.channelId,location.lat,location.lng,gridCode,tags,enabled,mode';
const GOOD = [
  'cam-101,东门广场-01,rtsp,rtsp://10.1.1.1:554/ch1,admin,Pa55-word,,,31.24,121.49,D1-S1-G1,广场;人流,true,always-on',
  'cam-102,"河堤步道,南段",rtsp,rtsp://10.1.1.2/ch1,,,,,,,D1-S2,,是,on-demand',
  'cam-103,NVR通道1,gb28181,,,,34020000001110000001,34020000001320000001,,,D1,,,',
];
const BAD = [
  'cam-104,学校路口,rtsp,http://10.1.1.4/ch1,,,,,,,D1,,,',
  'cam-105,坏坐标,rtsp,rtsp://10.1.1.5/ch1,,,,,91,121,D1,,,',
  'cam-101,重复,rtsp,rtsp://10.1.1.6/ch1,,,,,,,D1,,,',
  'cam-107,无网格,rtsp,rtsp://10.1.1.7/ch1,,,,,,,NOWHERE,,maybe,',
];
const csv = (...rows: string[]) => [HEADER, ...rows].join('\n') + '\n';

async function importCsv(body: string | Buffer, qs: string, charset = 'utf-8') {
  return t.call('engineer', { method: 'POST', url: `/api/import?entity=channels&${qs}`, headers: { 'content-type': `text/csv; charset=${charset}` }, payload: body });
}
const count = async (entity = 'channels') => (await t.call('operator', { method: 'GET', url: `/api/${entity}?limit=1` })).json().total as number;

describe('CSV import', () => {
  test('dry run: every row checked and reported by spreadsheet row number; nothing written', async () => {
    const res = await importCsv(csv(...GOOD, ...BAD), 'dryRun=true');
    assert.equal(res.statusCode, 200, res.body);
    const report = res.json();
    assert.equal(report.total, 7);
    assert.equal(report.valid, 3);
    assert.equal(report.invalid, 4);
    assert.equal(report.written, 0);
    assert.deepEqual(report.problems, [
      'row 5: source.url: not an rtsp:// URL',
      'row 6: location.lat: must be <= 90',
      'row 7: id: duplicate of row 2',
      'row 8: enabled: must be boolean',
      'row 8: gridCode: grid cell \'NOWHERE\' does not exist',
    ]);
    assert.equal(await count(), 0);
  });

  test('mode=all: one bad row and nothing is written (422)', async () => {
    const res = await importCsv(csv(...GOOD, BAD[0]!), 'mode=all');
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().code, 'GW_ERR_IMPORT_REJECTED');
    assert.equal(res.json().written, 0);
    assert.equal(await count(), 0);
  });

  test('mode=valid: the good rows are written together, the bad reported', async () => {
    const events: string[] = [];
    const listen = (e: { id: string }) => events.push(e.id);
    t.gw.service.events.on('device.changed', listen);
    const res = await importCsv(csv(...GOOD, ...BAD), 'mode=valid');
    t.gw.service.events.off('device.changed', listen);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().written, 3);
    assert.deepEqual(events, ['cam-101', 'cam-102', 'cam-103']);
    const cam = (await t.call('operator', { method: 'GET', url: '/api/channels/cam-102' })).json();
    assert.equal(cam.name, '河堤步道,南段');
    assert.equal(cam.enabled, true);
    const first = (await t.call('operator', { method: 'GET', url: '/api/channels/cam-101' })).json();
    assert.deepEqual(first.tags, ['广场', '人流']);
    assert.equal(first.source.credentialsSet, true);
    const audit = (await t.call('engineer', { method: 'GET', url: '/api/audit?entity=channels&action=create' })).json();
    assert.equal(audit.total, 3);
  });

  test('an existing id fails by default and updates with onConflict=update, keeping blank cells and the password', async () => {
    const again = await importCsv(csv('cam-101,东门广场-01(改),rtsp,rtsp://10.1.1.1:554/ch1,,,,,,,,,,'), 'mode=all');
    assert.equal(again.statusCode, 422);
    assert.deepEqual(again.json().problems, ['row 2: id: already exists (use onConflict=update)']);
    const upd = await importCsv(csv('cam-101,东门广场-01(改),rtsp,rtsp://10.1.1.1:554/ch1,,,,,,,,,,'), 'onConflict=update');
    assert.equal(upd.statusCode, 200, upd.body);
    assert.equal(upd.json().rows[0].action, 'update');
    const cam = (await t.call('operator', { method: 'GET', url: '/api/channels/cam-101' })).json();
    assert.equal(cam.name, '东门广场-01(改)');
    assert.equal(cam.gridCode, 'D1-S1-G1', 'a blank cell keeps the stored value');
    assert.equal(cam.source.credentialsSet, true);
    assert.equal(cam.version, 2);
  });

  test('a GB18030 (GBK) file from Excel, declared as such, reads correctly', async () => {
    const text = csv('cam-201,东门广场-北,rtsp,rtsp://10.1.2.1/ch1,,,,,,,D1,,,');
    const gbk = Buffer.from(new Uint8Array([...encodeGb18030(text)]));
    const res = await importCsv(gbk, '', 'gb18030');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await t.call('operator', { method: 'GET', url: '/api/channels/cam-201' })).json().name, '东门广场-北');
  });

  test('a UTF-8 BOM is ignored', async () => {
    const res = await importCsv(`\uFEFF${csv('cam-202,带BOM,rtsp,rtsp://10.1.2.2/ch1,,,,,,,D1,,,')}`, '');
    assert.equal(res.statusCode, 200, res.body);
  });
});

describe('JSON import and export', () => {
  test('sensors from JSON, with rule overrides', async () => {
    const items = [
      { id: 's-1', name: '燃气-1', kind: 'gas', mqtt: { clientId: 's-1', username: 's-1', password: 'sensor-pass-1' }, rules: { ch4: { above: 20 } } },
      { id: 's-2', name: '水位-1', kind: 'water_level', mqtt: { clientId: 's-2', username: 's-2' } },
    ];
    const res = await t.call('engineer', { method: 'POST', url: '/api/import?entity=sensors&mode=valid', payload: items });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().problems, ['row 2: mqtt.password: is required']);
    assert.equal(await count('sensors'), 1);
  });

  test('export CSV imports back unchanged; secrets are blank', async () => {
    const exported = await t.call('engineer', { method: 'GET', url: '/api/export?entity=channels&format=csv' });
    assert.equal(exported.statusCode, 200);
    assert.match(String(exported.headers['content-type']), /text\/csv/);
    assert.match(String(exported.headers['content-disposition']), /channels-\d{4}-\d\d-\d\d\.csv/);
    assert.ok(!exported.body.includes('Pa55-word'));
    const before = (await t.call('operator', { method: 'GET', url: '/api/channels?limit=100' })).json().items;
    const back = await importCsv(exported.body, 'onConflict=update&mode=all');
    assert.equal(back.statusCode, 200, back.body);
    assert.ok(back.json().rows.every((r: { action: string }) => r.action === 'update'));
    const afterItems = (await t.call('operator', { method: 'GET', url: '/api/channels?limit=100' })).json().items;
    const strip = (items: Record<string, unknown>[]) => items.map(({ version: _v, updatedAt: _u, ...rest }) => rest);
    assert.deepEqual(strip(afterItems), strip(before));
  });

  test('export JSON is importable', async () => {
    const exported = await t.call('engineer', { method: 'GET', url: '/api/export?entity=sensors&format=json' });
    const items = exported.json();
    assert.equal(items[0].mqtt.passwordSet, undefined);
    const dry = await t.call('engineer', { method: 'POST', url: '/api/import?entity=sensors&dryRun=true&onConflict=update', payload: items });
    assert.equal(dry.json().invalid, 0, dry.body);
  });
});

/** GB18030 encoding for the test, via the reverse of Node's decoder (Node has no GB encoder). */
function encodeGb18030(text: string): number[] {
  const decoder = new TextDecoder('gb18030');
  const out: number[] = [];
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) {
      out.push(ch.charCodeAt(0));
      continue;
    }
    let found = false;
    for (let hi = 0x81; hi <= 0xfe && !found; hi++) {
      for (let lo = 0x40; lo <= 0xfe && !found; lo++) {
        if (decoder.decode(new Uint8Array([hi, lo])) === ch) {
          out.push(hi, lo);
          found = true;
        }
      }
    }
    if (!found) throw new Error(`cannot encode ${ch}`);
  }
  return out;
}
