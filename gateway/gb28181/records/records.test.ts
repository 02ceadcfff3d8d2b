// The device-recording codecs: RecordInfo bodies, the playback/download SDP
// offer, MANSRTSP controls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { childText, ManscdpError, parseManscdp } from '../manscdp/index.ts';
import { buildMansrtsp, parseMansrtsp, type PlaybackControl } from './mansrtsp.ts';
import { buildHistoryOffer, historySsrc, parseHistoryOffer } from './playback-sdp.ts';
import { buildRecordInfoQuery, buildRecordInfoResponse, decodeRecordInfo, parseDeviceTime } from './record-info.ts';

const CH = '34020000001310000001';
const T0 = Date.parse('2026-03-01T08:00:00');

test('RecordInfo: the query names the channel, the range in device time and the type; an answer decodes to records, SumNum 0 to none', () => {
  const q = parseManscdp(buildRecordInfoQuery(5, CH, T0, T0 + 3600_000, 'alarm'));
  assert.equal(q.cmdType, 'RecordInfo');
  assert.equal(q.deviceId, CH);
  assert.equal(parseDeviceTime(childText(q.fields, 'StartTime')), T0);
  assert.equal(parseDeviceTime(childText(q.fields, 'EndTime')), T0 + 3600_000);
  assert.equal(childText(q.fields, 'Type'), 'alarm');
  const body = buildRecordInfoResponse(5, CH, 3, [{ deviceId: CH, startAt: T0, endAt: T0 + 600_000, type: 'time', name: '录像' }, { deviceId: CH, startAt: T0 + 700_000, endAt: T0 + 800_000, type: 'alarm' }]);
  const part = decodeRecordInfo(parseManscdp(body));
  assert.equal(part.sumNum, 3);
  assert.deepEqual(part.records.map((r) => [r.startAt, r.endAt, r.type]), [[T0, T0 + 600_000, 'time'], [T0 + 700_000, T0 + 800_000, 'alarm']]);
  assert.equal(part.records[0]!.name, '录像');
  assert.deepEqual(decodeRecordInfo(parseManscdp(buildRecordInfoResponse(6, CH, 0, []))), { sumNum: 0, records: [], skipped: 0 });
});

test('RecordInfo: no SumNum is malformed (ManscdpError naming it); items without a usable time are skipped, not thrown', () => {
  const head = `<?xml version="1.0"?><Response><CmdType>RecordInfo</CmdType><SN>1</SN><DeviceID>${CH}</DeviceID>`;
  assert.throws(() => decodeRecordInfo(parseManscdp(`${head}<RecordList Num="0"></RecordList></Response>`)), (e: unknown) => e instanceof ManscdpError && e.field === 'SumNum');
  assert.throws(() => decodeRecordInfo(parseManscdp(`${head}<SumNum>many</SumNum></Response>`)), ManscdpError);
  const items = '<Item><StartTime>yesterday</StartTime><EndTime>2026-03-01T08:10:00</EndTime></Item>'
    + '<Item><StartTime>2026-03-01T08:10:00</StartTime><EndTime>2026-03-01T08:00:00</EndTime></Item>'
    + '<Item><StartTime>2026-03-01 08:00:00</StartTime><EndTime>2026-03-01 08:10:00</EndTime></Item>';
  const part = decodeRecordInfo(parseManscdp(`${head}<SumNum>3</SumNum><RecordList Num="3">${items}</RecordList></Response>`));
  assert.equal(part.skipped, 2);
  assert.deepEqual(part.records.map((r) => [r.deviceId, r.startAt]), [[CH, T0]]);
  assert.throws(() => decodeRecordInfo(parseManscdp(`<?xml version="1.0"?><Query><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>${CH}</DeviceID></Query>`)), ManscdpError);
});

test('playback and download offers: s=, u=<channel>:0, t= in seconds, downloadspeed, a history SSRC starting with 1 that fits 32 bits', () => {
  const ssrc = historySsrc('3402000000', 12);
  assert.match(ssrc, /^1\d{9}$/);
  assert.ok(Number(ssrc) <= 0xffffffff);
  const base = { platformId: '34020000002000000001', address: '10.0.0.1', port: 30000, transport: 'udp' as const, ssrc, channelId: CH, from: T0, to: T0 + 60_000 };
  const pb = buildHistoryOffer({ ...base, mode: 'Playback' });
  assert.match(pb, /\r\ns=Playback\r\nu=34020000001310000001:0\r\n/);
  assert.match(pb, new RegExp(`\\r\\nt=${T0 / 1000} ${T0 / 1000 + 60}\\r\\n`));
  assert.doesNotMatch(pb, /downloadspeed/);
  assert.deepEqual(parseHistoryOffer(pb), { mode: 'Playback', channelId: CH, from: T0, to: T0 + 60_000, downloadSpeed: undefined });
  const dl = buildHistoryOffer({ ...base, mode: 'Download', downloadSpeed: 4, transport: 'tcp' });
  assert.match(dl, /a=downloadspeed:4\r\n/);
  assert.match(dl, /m=video 30000 TCP\/RTP\/AVP/);
  assert.equal(parseHistoryOffer(dl).downloadSpeed, 4);
});

test('MANSRTSP: seek, pause, resume and speed written as devices read them, and read back', () => {
  const cases: Array<[PlaybackControl, RegExp]> = [
    [{ action: 'seek', seconds: 300 }, /^PLAY RTSP\/1\.0\r\nCSeq: 1\r\nRange: npt=300-\r\n\r\n$/],
    [{ action: 'pause' }, /^PAUSE RTSP\/1\.0\r\nCSeq: 1\r\nPauseTime: now\r\n/],
    [{ action: 'resume' }, /^PLAY RTSP\/1\.0\r\nCSeq: 1\r\nRange: npt=now-\r\n/],
    [{ action: 'speed', scale: 4 }, /^PLAY RTSP\/1\.0\r\nCSeq: 1\r\nScale: 4\.0\r\n/],
    [{ action: 'speed', scale: 0.25 }, /Scale: 0\.25\r\n/],
  ];
  for (const [c, shape] of cases) {
    const body = buildMansrtsp(c, 1);
    assert.match(body, shape);
    assert.deepEqual(parseMansrtsp(body), c);
  }
  assert.equal(parseMansrtsp('TEARDOWN RTSP/1.0\r\nCSeq: 1\r\n'), undefined);
});
