// An upper platform's RecordInfo for a shared GB28181 channel: forwarded down
// (the lower's recordInfo, here a stand-in for the device query) and answered
// up under the channel's code, paged to SumNum; an RTSP channel, an unknown
// code or a failed device query are SumNum 0.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SYSTEM_ACTOR } from '../../../device-registry/index.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteIndex } from '../../recording/store/sqlite-index.ts';
import { childElement, childList, childText, type ManscdpMessage, type XmlElement } from '../manscdp/index.ts';
import { localTime } from './local-time.ts';
import { ownFootage } from './own-playback.ts';
import { startLower, upperEntry, LOWER_ID } from './test-lower.ts';
import { TestUpper } from './test-upper.ts';
import type { DeviceRecord } from '../records/record-info.ts';
import type { ChannelView } from './channel-book.ts';

const open: Array<{ close(): unknown }> = [];
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

test("an upper platform's RecordInfo for an RTMP channel: answered from the gateway's own recordings (segments joined, clipped, time/alarm by class); none kept: SumNum 0", { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'own-records-'));
  const index = openSqliteIndex(join(dir, 'recordings.db'));
  open.push({ close: async () => {
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  } });
  const upper = await TestUpper.start('Up-Secret-123');
  open.push(upper);
  const lower = await startLower([upperEntry(upper.port)]);
  open.push(lower);
  await upper.until('registered', () => lower.cascade.status()[0]!.state === 'registered');
  const drone = await lower.addRtsp('drone');
  const code = await upper.until('code', () => lower.cascade.book.get(drone)?.code);
  const query = (sn: number, from: number, to: number, type = 'all') => `<?xml version="1.0" encoding="UTF-8"?>\r\n<Query>\r\n<CmdType>RecordInfo</CmdType>\r\n<SN>${sn}</SN>\r\n<DeviceID>${code}</DeviceID>\r\n`
    + `<StartTime>${localTime(new Date(from))}</StartTime>\r\n<EndTime>${localTime(new Date(to))}</EndTime>\r\n<Type>${type}</Type>\r\n</Query>\r\n`;
  const items = async (sn: number) => {
    const listed = (m: ManscdpMessage) => {
      const list = childElement(m.fields, 'RecordList');
      return list ? (childList(list, 'Item') as XmlElement[]) : [];
    };
    const pages = await upper.until(`answer ${sn}`, () => {
      const got = upper.bodies('Response:RecordInfo').filter((m) => m.sn === sn);
      return got.length > 0 && got.flatMap(listed).length >= Number(childText(got[0]!.fields, 'SumNum')) && got;
    });
    return pages.flatMap(listed)
      .map((i) => [childText(i, 'StartTime'), childText(i, 'EndTime'), childText(i, 'Type'), childText(i, 'DeviceID')]);
  };

  // Recording off: nothing is kept, SumNum 0.
  assert.equal((await upper.rawMessage(lower.remote('udp'), LOWER_ID, query(21, BASE, BASE + HOUR))).status, 200);
  assert.deepEqual(await items(21), []);

  // 10 s segments: 00:00–00:30 continuous (a 1 s cut inside), a 5 min gap, 00:35–00:45 events footage.
  const seg = (startMs: number, endMs: number, cls: 'continuous' | 'events') => index.addSegment({
    channelId: drone, startMs, endMs, bytes: 1000, path: `${drone}/d/${startMs}.ts`, nodeId: 'local', keyframeFirst: true, class: cls, source: 'gateway',
  });
  const M = 60_000;
  for (let t = 0; t < 30 * M; t += 10_000) await seg(BASE + t, BASE + t + 10_000 - (t === 60_000 ? 1000 : 0), 'continuous');
  for (let t = 35 * M; t < 45 * M; t += 10_000) await seg(BASE + t, BASE + t + 10_000, 'events');
  lower.cascade.useRecordings(ownFootage({ index, paths: { absolute: (rel) => join(dir, rel) } }, 'ffmpeg'));
  const at = (ms: number) => localTime(new Date(BASE + ms));
  await upper.rawMessage(lower.remote('udp'), LOWER_ID, query(22, BASE - HOUR, BASE + HOUR));
  assert.deepEqual(await items(22), [[at(0), at(30 * M), 'time', code], [at(35 * M), at(45 * M), 'alarm', code]]);
  await upper.rawMessage(lower.remote('udp'), LOWER_ID, query(23, BASE + 10 * M, BASE + 40 * M, 'alarm'));
  assert.deepEqual(await items(23), [[at(35 * M), at(40 * M), 'alarm', code]], 'alarm only, clipped to the range');
});
