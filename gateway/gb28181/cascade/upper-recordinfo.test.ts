// An upper platform's RecordInfo for a shared GB28181 channel: forwarded down
// (the lower's recordInfo, here a stand-in for the device query) and answered
// up under the channel's code, paged to SumNum; an RTSP channel, an unknown
// code or a failed device query are SumNum 0.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SYSTEM_ACTOR } from '../../../device-registry/index.ts';
import { childElement, childList, childText, type XmlElement } from '../manscdp/index.ts';
import { localTime } from './local-time.ts';
import { startLower, upperEntry, LOWER_ID, type TestLower } from './test-lower.ts';
import { TestUpper } from './test-upper.ts';
import type { DeviceRecord } from '../records/record-info.ts';
import type { ChannelView } from './channel-book.ts';

const open: Array<TestLower | TestUpper> = [];
after(async () => {
  for (const o of open.reverse()) await o.close();
});

const HOUR = 3600_000;
const BASE = Math.floor(Date.now() / 1000) * 1000 - 24 * HOUR;

test("an upper platform's RecordInfo: a shared GB28181 channel's records come from its device, paged up to SumNum under the channel code", { timeout: 30_000 }, async () => {
  const asked: Array<{ channelId: string; from: number; to: number; type: string }> = [];
  const records: DeviceRecord[] = Array.from({ length: 25 }, (_, i) => ({ deviceId: '31010100001310000001', startAt: BASE + i * HOUR, endAt: BASE + i * HOUR + 600_000, type: 'time', name: `r${i}` }));
  const upper = await TestUpper.start('Up-Secret-123');
  open.push(upper);
  let gbId = '';
  const lower = await startLower([upperEntry(upper.port, { catalogPageSize: 10 })], {
    beforeStart: async (registry) => {
      gbId = String((await registry.create('channels', { kind: 'gb28181', name: 'GB', source: { deviceId: '31010100001320000001', channelId: '31010100001310000001' } }, SYSTEM_ACTOR)).item.id);
    },
    recordInfo: async (channel: ChannelView, from: number, to: number, type) => {
      asked.push({ channelId: channel.id, from, to, type });
      if (type === 'alarm') throw new Error('the device did not answer');
      return records;
    },
  });
  open.push(lower);
  await upper.until('registered', () => lower.cascade.status()[0]!.state === 'registered');
  const rtsp = await lower.addRtsp('rtsp');
  const rtspCode = await upper.until('code', () => lower.cascade.book.get(rtsp)?.code);
  const query = (code: string, sn: number, type = 'all') => `<?xml version="1.0" encoding="UTF-8"?>\r\n<Query>\r\n<CmdType>RecordInfo</CmdType>\r\n<SN>${sn}</SN>\r\n<DeviceID>${code}</DeviceID>\r\n`
    + `<StartTime>${localTime(new Date(BASE - HOUR))}</StartTime>\r\n<EndTime>${localTime(new Date(BASE + 30 * HOUR))}</EndTime>\r\n<Type>${type}</Type>\r\n</Query>\r\n`;
  const answers = (sn: number) => upper.bodies('Response:RecordInfo').filter((m) => m.sn === sn);

  assert.equal((await upper.rawMessage(lower.remote('udp'), LOWER_ID, query('31010100001310000001', 11))).status, 200);
  const pages = await upper.until('three pages', () => answers(11).length === 3 && answers(11));
  assert.deepEqual(asked[0], { channelId: gbId, from: BASE - HOUR, to: BASE + 30 * HOUR, type: 'all' });
  const items = pages.flatMap((m) => childList(childElement(m.fields, 'RecordList')!, 'Item') as XmlElement[]);
  assert.equal(items.length, 25);
  assert.ok(pages.every((m) => childText(m.fields, 'SumNum') === '25' && m.deviceId === '31010100001310000001'));
  assert.deepEqual(items.map((i) => childText(i, 'StartTime')), records.map((r) => localTime(new Date(r.startAt))));

  // Not GB28181, unknown, or the device failed: SumNum 0 and no list.
  await upper.rawMessage(lower.remote('udp'), LOWER_ID, query(rtspCode, 12));
  await upper.rawMessage(lower.remote('udp'), LOWER_ID, query('31010100001310009999', 13));
  await upper.rawMessage(lower.remote('udp'), LOWER_ID, query('31010100001310000001', 14, 'alarm'));
  for (const sn of [12, 13, 14]) {
    const [m] = await upper.until(`empty answer ${sn}`, () => answers(sn).length === 1 && answers(sn));
    assert.equal(childText(m!.fields, 'SumNum'), '0');
    assert.equal(childElement(m!.fields, 'RecordList'), undefined);
  }
  assert.equal(asked.length, 2, 'only the GB28181 channel was asked of a device');
});
