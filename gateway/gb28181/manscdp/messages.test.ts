import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import iconv from 'iconv-lite';
import { decodeAlarm } from './alarm.ts';
import { decodeCatalog } from './catalog.ts';
import { decodeDeviceControl, decodeDeviceInfo, decodeDeviceStatus, decodeKeepalive, decodeQuery, decodeResult } from './decode.ts';
import { ManscdpError } from './errors.ts';
import {
  ALARM, CATALOG_QUERY, DAHUA_CATALOG, DEVICE_INFO, DEVICE_STATUS, HIK_CATALOG_1, HIK_CATALOG_2, KEEPALIVE, LOWERCASE_CATALOG,
  PTZ_CONTROL, gb2312,
} from './fixtures.ts';
import { parseManscdp } from './parse.ts';

const code = (c: string) => (err: unknown) => err instanceof ManscdpError && err.code === c;

describe('parseManscdp', () => {
  it('reads the header of a GB2312 keepalive', () => {
    const msg = parseManscdp(gb2312(KEEPALIVE));
    assert.equal(msg.root, 'Notify');
    assert.equal(msg.cmdType, 'Keepalive');
    assert.equal(msg.sn, 531);
    assert.equal(msg.deviceId, '34020000001180000001');
    assert.deepEqual(decodeKeepalive(msg), { deviceId: '34020000001180000001', status: 'OK', ok: true, faultyDeviceIds: [] });
  });

  it('keeps 20-digit ids exact and leading zeros as sent', () => {
    const id = '99999999999999999999';
    const msg = parseManscdp(`<Notify><CmdType>Keepalive</CmdType><SN>0012</SN><DeviceID>${id}</DeviceID><Status>OK</Status></Notify>`);
    assert.equal(msg.deviceId, id);
    assert.equal(msg.sn, 12);
    assert.equal(msg.fields['SN'], '0012');
  });

  it('rejects a missing header field, a bad SN and an unknown root, naming the field', () => {
    assert.throws(() => parseManscdp('<Notify><CmdType>Keepalive</CmdType><SN>1</SN></Notify>'), (e) => code('MANSCDP_MISSING_FIELD')(e) && (e as ManscdpError).field === 'DeviceID');
    assert.throws(() => parseManscdp('<Notify><CmdType>Keepalive</CmdType><SN>-1</SN><DeviceID>1</DeviceID></Notify>'), code('MANSCDP_BAD_VALUE'));
    assert.throws(() => parseManscdp('<Notify><CmdType>Keepalive</CmdType><SN>1e3</SN><DeviceID>1</DeviceID></Notify>'), code('MANSCDP_BAD_VALUE'));
    assert.throws(() => parseManscdp('<Notify><CmdType>Keepalive</CmdType><SN>1</SN><DeviceID>a b</DeviceID></Notify>'), code('MANSCDP_BAD_VALUE'));
    assert.throws(() => parseManscdp('<Request><CmdType>Keepalive</CmdType><SN>1</SN><DeviceID>1</DeviceID></Request>'), code('MANSCDP_BAD_ROOT'));
  });

  it('folds the case of known tags and command types', () => {
    const msg = parseManscdp(LOWERCASE_CATALOG);
    assert.equal(msg.root, 'Response');
    assert.equal(msg.cmdType, 'Catalog');
    assert.deepEqual(decodeCatalog(msg), {
      deviceId: '34020000001320000201', sumNum: 1, listNum: 1, skippedItems: 0,
      items: [{ deviceId: '34020000001320000201', name: 'Lobby', status: 'ON', parental: true }],
    });
  });
});

describe('decodeCatalog', () => {
  it('reads a Hikvision answer split over two messages, Chinese names in GB2312', () => {
    const first = decodeCatalog(parseManscdp(gb2312(HIK_CATALOG_1)));
    const second = decodeCatalog(parseManscdp(gb2312(HIK_CATALOG_2)));
    assert.equal(first.sumNum, 4);
    assert.equal(first.listNum, 2);
    assert.equal(first.items.length + second.items.length, 4);
    assert.deepEqual(first.items[0], {
      deviceId: '34020000001310000001', name: '东门入口', manufacturer: 'Hikvision', model: 'DS-2CD3T46WDV3', owner: 'Owner',
      civilCode: '3402000000', address: '东门 1 号杆', parental: false, parentId: '34020000001180000001', status: 'ON',
      longitude: 117.2272, latitude: 31.8206,
    });
    // Escaped ampersand decoded, empty Address absent, 0.0/0.0 is no position.
    assert.equal(first.items[1]?.name, '停车场 & 坡道');
    assert.equal(first.items[1]?.address, undefined);
    assert.equal(first.items[1]?.longitude, undefined);
    assert.equal(first.items[1]?.status, 'OFF');
    assert.deepEqual(second.items[0], { deviceId: '34020000002160000001', name: '一号楼', parentId: '34020000002150000001' });
  });

  it('reads the same answer in UTF-8, and a GB2312 body falsely declared UTF-8', () => {
    const utf8 = decodeCatalog(parseManscdp(Buffer.from(HIK_CATALOG_1.replace('GB2312', 'UTF-8'))));
    const lying = decodeCatalog(parseManscdp(iconv.encode(HIK_CATALOG_1.replace('GB2312', 'UTF-8'), 'gb2312')));
    assert.equal(utf8.items[0]?.name, '东门入口');
    assert.deepEqual(lying, utf8);
  });

  it('reads Dahua style: ONLINE/offline, Num disagreeing with the items, a longitude out of range', () => {
    const res = decodeCatalog(parseManscdp(Buffer.from(DAHUA_CATALOG)));
    assert.equal(res.sumNum, 2);
    assert.equal(res.listNum, 3);
    assert.equal(res.items.length, 2);
    assert.equal(res.items[0]?.status, 'ON');
    assert.equal(res.items[0]?.latitude, 31.7905);
    assert.equal(res.items[1]?.status, 'OFF');
    assert.equal(res.items[1]?.longitude, undefined);
    assert.equal(res.items[1]?.latitude, undefined);
  });

  it('counts items it cannot use instead of failing the message', () => {
    const body = `<Response><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>1</DeviceID><SumNum>3</SumNum>
      <DeviceList Num="3"><Item><Name>no id</Name></Item><Item>text</Item><Item><DeviceID>2</DeviceID></Item></DeviceList></Response>`;
    const res = decodeCatalog(parseManscdp(body));
    assert.equal(res.skippedItems, 2);
    assert.deepEqual(res.items, [{ deviceId: '2' }]);
  });

  it('reads a catalog Notify with events and refuses other command types', () => {
    const body = `<Notify><CmdType>Catalog</CmdType><SN>5</SN><DeviceID>1</DeviceID><SumNum>1</SumNum>
      <DeviceList Num="1"><Item><DeviceID>2</DeviceID><Event>del</Event></Item></DeviceList></Notify>`;
    assert.equal(decodeCatalog(parseManscdp(body)).items[0]?.event, 'DEL');
    assert.throws(() => decodeCatalog(parseManscdp(KEEPALIVE)), code('MANSCDP_WRONG_TYPE'));
  });
});

describe('other decoders', () => {
  it('DeviceInfo', () => {
    assert.deepEqual(decodeDeviceInfo(parseManscdp(gb2312(DEVICE_INFO))), {
      deviceId: '34020000001180000001', deviceName: '园区NVR', manufacturer: 'Hikvision', model: 'DS-7608N-K2',
      firmware: 'V4.30.085', channelCount: 8, result: 'OK',
    });
  });

  it('DeviceStatus, with the Alarmstatus list and its AlarmStatus spelling', () => {
    const expected = {
      deviceId: '34020000001320000101', online: true, result: 'OK', status: 'OK', encode: 'ON', record: 'OFF',
      deviceTime: '2024-05-01T08:30:00', alarms: [{ deviceId: '34020000001340000001', dutyStatus: 'OFFDUTY' }],
    };
    assert.deepEqual(decodeDeviceStatus(parseManscdp(DEVICE_STATUS)), expected);
    assert.deepEqual(decodeDeviceStatus(parseManscdp(DEVICE_STATUS.replace(/Alarmstatus/g, 'AlarmStatus'))), expected);
    const offline = DEVICE_STATUS.replace('<Online>ONLINE</Online>', '<Online>OFFLINE</Online>');
    assert.equal(decodeDeviceStatus(parseManscdp(offline)).online, false);
  });

  it('Alarm, in GB2312, and an alarm without priority is refused', () => {
    assert.deepEqual(decodeAlarm(parseManscdp(gb2312(ALARM))), {
      deviceId: '34020000001340000001', priority: 1, method: 5, type: 2, eventType: 1, time: '2024-05-01T08:31:12',
      description: '区域入侵', longitude: 117.3001, latitude: 31.7905,
    });
    assert.throws(() => decodeAlarm(parseManscdp(ALARM.replace('<AlarmPriority>1</AlarmPriority>', ''))), code('MANSCDP_MISSING_FIELD'));
    assert.throws(() => decodeAlarm(parseManscdp(ALARM.replace('<AlarmPriority>1<', '<AlarmPriority>5<'))), code('MANSCDP_BAD_VALUE'));
  });

  it('DeviceControl for the simulator: motion decoded, presets passed through, bad checksum refused', () => {
    assert.deepEqual(decodeDeviceControl(parseManscdp(PTZ_CONTROL)), {
      deviceId: '34020000001310000001', ptzCmd: 'A50F0108808000BD',
      ptz: { tilt: 'up', panSpeed: 0x80, tiltSpeed: 0x80, zoomSpeed: 0, address: 1 },
    });
    // 0x82 = call preset 3: valid, not a motion.
    const preset = PTZ_CONTROL.replace('a50f0108808000bd', 'A50F01820003003A');
    assert.deepEqual(decodeDeviceControl(parseManscdp(preset)), { deviceId: '34020000001310000001', ptzCmd: 'A50F01820003003A' });
    assert.throws(() => decodeDeviceControl(parseManscdp(PTZ_CONTROL.replace('bd<', 'be<'))), code('PTZ_BAD_CHECKSUM'));
  });

  it('queries and result-only answers', () => {
    assert.deepEqual(decodeQuery(parseManscdp(gb2312(CATALOG_QUERY))), { cmdType: 'Catalog', sn: 17430, deviceId: '34020000001180000001' });
    const res = '<Response><CmdType>DeviceControl</CmdType><SN>11</SN><DeviceID>1</DeviceID><Result>Error</Result></Response>';
    assert.deepEqual(decodeResult(parseManscdp(res)), { cmdType: 'DeviceControl', deviceId: '1', result: 'ERROR', ok: false });
    assert.throws(() => decodeQuery(parseManscdp(res)), code('MANSCDP_WRONG_TYPE'));
  });
});
