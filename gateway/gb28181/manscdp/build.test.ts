import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAlarm } from './alarm.ts';
import {
  buildAlarmNotify, buildAlarmResponse, buildCatalogResponse, buildDeviceControlResponse, buildDeviceInfoResponse,
  buildDeviceStatusResponse, buildKeepalive, buildPtzControl, buildQuery,
} from './build.ts';
import { decodeCatalog } from './catalog.ts';
import { declaredEncoding, encodeXmlBody } from './charset.ts';
import { decodeDeviceControl, decodeDeviceInfo, decodeDeviceStatus, decodeKeepalive, decodeQuery, decodeResult } from './decode.ts';
import { ManscdpError } from './errors.ts';
import { parseManscdp } from './parse.ts';
import { encodePtzCmd } from './ptz.ts';
import type { AlarmNotify, CatalogItem, DeviceInfo, DeviceStatus } from './types.ts';

const NVR = '34020000001180000001';
const CAM = '34020000001310000001';
const code = (c: string) => (err: unknown) => err instanceof ManscdpError && err.code === c;

/** Through the wire both ways a device might: UTF-8 and GB2312 bytes. */
function wire(xml: string) {
  return (['UTF-8', 'GB2312'] as const).map((cs) => {
    const bytes = encodeXmlBody(xml, cs);
    assert.equal(declaredEncoding(bytes), cs);
    return parseManscdp(bytes);
  });
}

describe('builders round-trip through the parser', () => {
  it('platform queries and controls', () => {
    for (const cmd of ['Catalog', 'DeviceInfo', 'DeviceStatus'] as const) {
      for (const msg of wire(buildQuery(cmd, 17430, NVR))) {
        assert.deepEqual(decodeQuery(msg), { cmdType: cmd, sn: 17430, deviceId: NVR });
      }
    }
    const hex = encodePtzCmd({ pan: 'left', panSpeed: 50 });
    for (const msg of wire(buildPtzControl(12, CAM, hex))) {
      assert.deepEqual(decodeDeviceControl(msg), { deviceId: CAM, ptzCmd: hex, ptz: { pan: 'left', panSpeed: 50, tiltSpeed: 0, zoomSpeed: 0, address: 1 } });
    }
    assert.throws(() => buildPtzControl(12, CAM, 'A50F0100000000B6'), code('PTZ_BAD_CHECKSUM'));
    for (const msg of wire(buildAlarmResponse(744523, CAM))) {
      assert.deepEqual(decodeResult(msg), { cmdType: 'Alarm', deviceId: CAM, result: 'OK', ok: true });
    }
  });

  it('simulator keepalive, catalog, device info and status', () => {
    for (const msg of wire(buildKeepalive(1, NVR))) assert.equal(decodeKeepalive(msg).ok, true);
    const items: CatalogItem[] = [
      { deviceId: CAM, name: '东门 <入口> & "坡道"', manufacturer: 'Sim', parental: false, parentId: NVR, status: 'ON', longitude: 117.2272, latitude: 31.8206, civilCode: '340200' },
      { deviceId: '34020000002160000001', name: '一号楼', parental: true },
    ];
    for (const msg of wire(buildCatalogResponse(9, NVR, 5, items))) {
      assert.deepEqual(decodeCatalog(msg), { deviceId: NVR, sumNum: 5, listNum: 2, items, skippedItems: 0 });
    }
    const info: DeviceInfo = { deviceId: NVR, deviceName: '模拟NVR', manufacturer: 'Sim', model: 'S1', firmware: '1.0', channelCount: 2, result: 'OK' };
    for (const msg of wire(buildDeviceInfoResponse(10, info))) assert.deepEqual(decodeDeviceInfo(msg), info);
    const status: DeviceStatus = {
      deviceId: NVR, online: true, result: 'OK', status: 'OK', encode: 'ON', record: 'OFF', deviceTime: '2024-05-01T08:30:00',
      alarms: [{ deviceId: '34020000001340000001', dutyStatus: 'ONDUTY' }],
    };
    for (const msg of wire(buildDeviceStatusResponse(11, status))) assert.deepEqual(decodeDeviceStatus(msg), status);
  });

  it('simulator alarm and control answer', () => {
    const alarm: AlarmNotify = { deviceId: CAM, priority: 2, method: 5, type: 2, eventType: 1, time: '2024-05-01T08:31:12', description: '越线 <A&B>', longitude: 117.3, latitude: 31.79 };
    for (const msg of wire(buildAlarmNotify(7, alarm))) assert.deepEqual(decodeAlarm(msg), alarm);
    const bare: AlarmNotify = { deviceId: CAM, priority: 4, method: 2, time: '2024-05-01T08:31:12' };
    assert.deepEqual(decodeAlarm(parseManscdp(buildAlarmNotify(8, bare))), bare);
    assert.deepEqual(decodeResult(parseManscdp(buildDeviceControlResponse(12, CAM, 'ERROR'))), { cmdType: 'DeviceControl', deviceId: CAM, result: 'ERROR', ok: false });
  });

  it('writes the shape devices and platforms expect', () => {
    assert.equal(
      buildQuery('Catalog', 1, NVR),
      `<?xml version="1.0" encoding="UTF-8"?>\r\n<Query>\r\n<CmdType>Catalog</CmdType>\r\n<SN>1</SN>\r\n<DeviceID>${NVR}</DeviceID>\r\n</Query>\r\n`,
    );
    assert.match(buildCatalogResponse(1, NVR, 1, [{ deviceId: CAM }]), /<DeviceList Num="1">\r\n<Item>\r\n<DeviceID>34020000001310000001<\/DeviceID>\r\n<Parental>0<\/Parental>/);
  });

  it('refuses inputs that would make a bad message, naming the field', () => {
    assert.throws(() => buildQuery('Catalog', -1, NVR), (e) => code('MANSCDP_BAD_VALUE')(e) && (e as ManscdpError).field === 'sn');
    assert.throws(() => buildQuery('Catalog', 1.5, NVR), code('MANSCDP_BAD_VALUE'));
    assert.throws(() => buildKeepalive(1, '<x/>'), code('MANSCDP_BAD_VALUE'));
    assert.throws(() => buildCatalogResponse(1, NVR, 1, [{ deviceId: '' }]), (e) => (e as ManscdpError).field === 'items[0].deviceId');
    assert.throws(() => buildCatalogResponse(1, NVR, 0, [{ deviceId: CAM }]), (e) => (e as ManscdpError).field === 'sumNum');
    assert.throws(() => buildAlarmNotify(1, { deviceId: CAM, priority: 5 as 1, method: 1, time: 't' }), (e) => (e as ManscdpError).field === 'priority');
  });
});
