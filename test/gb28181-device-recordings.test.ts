// Recordings kept on GB28181 devices, through the real SIP server and the
// device simulator: RecordInfo listed (paged up to SumNum, empty ranges,
// malformed answers).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addGbDevice, platformOf, startGbGateway } from './helpers/gb28181.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { waitFor } from './helpers/video.ts';
import { GbSimHost, type GbDeviceSim, type SimRecording } from './sim/gbsim/index.ts';

const HOUR = 3600_000;
/** Whole seconds: device times carry no milliseconds. */
const DAY = Math.floor(Date.now() / 1000) * 1000 - 24 * HOUR;
const RECORDINGS: SimRecording[] = Array.from({ length: 7 }, (_, i) => ({
  startAt: DAY + i * HOUR, endAt: DAY + i * HOUR + 20 * 60_000, type: (['time', 'alarm', 'manual'] as const)[i % 3]!,
}));

describe('GB28181 device recordings: RecordInfo', () => {
  let t: TestGateway & { sipPort: number };
  let host: GbSimHost;
  before(async () => {
    t = await startGbGateway(['--gb28181.queryTimeoutSeconds', '5']);
    host = await GbSimHost.start({ platform: platformOf(t) });
  });
  after(async () => {
    await host.close();
    await t.stop();
  });

  async function registered(id: string, options: Partial<GbDeviceSim['options']> = {}): Promise<GbDeviceSim> {
    await addGbDevice(t, { id, password: `pw-${id}` });
    const dev = host.addDevice({ deviceId: id, password: `pw-${id}`, channels: 1, keepaliveSeconds: 0.5, recordings: RECORDINGS, ...options });
    assert.equal((await dev.register()).status, 200);
    dev.startKeepalive();
    await waitFor(async () => (await t.call('operator', { method: 'GET', url: `/api/channels/${dev.channelIds[0]!}` })).statusCode === 200 || undefined, 10_000, 'catalog channel');
    return dev;
  }

  const queriesTimedOut = async () => ((await t.call('operator', { method: 'GET', url: '/api/gb28181/status' })).json() as { queries: { timedOut: number } }).queries.timedOut;

  const list = (channel: string, from: number, to: number, extra = '') =>
    t.call('operator', { method: 'GET', url: `/api/channels/${channel}/device-recordings?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}${extra}` });

  test('a range holding 7 recordings: assembled from 3 MESSAGEs up to SumNum, in order, marked as kept on the device', async () => {
    const dev = await registered('34020000001320000701', { recordPageSize: 3 });
    const res = await list(dev.channelIds[0]!, DAY - HOUR, DAY + 10 * HOUR);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.sumNum, 7);
    assert.equal(body.messages, 3);
    assert.equal(body.deviceId, dev.deviceId);
    assert.deepEqual(body.items.map((i: { start: string }) => Date.parse(i.start)), RECORDINGS.map((r) => r.startAt));
    assert.deepEqual(body.items.map((i: { end: string }) => Date.parse(i.end)), RECORDINGS.map((r) => r.endAt));
    assert.deepEqual(body.items.map((i: { type: string }) => i.type), RECORDINGS.map((r) => r.type));
    assert.ok(body.items.every((i: { keptOn: string }) => i.keptOn === 'device'));

    const alarms = await list(dev.channelIds[0]!, DAY - HOUR, DAY + 10 * HOUR, '&type=alarm');
    assert.deepEqual(alarms.json().items.map((i: { start: string }) => Date.parse(i.start)), RECORDINGS.filter((r) => r.type === 'alarm').map((r) => r.startAt));

    const part = await list(dev.channelIds[0]!, DAY + 90 * 60_000, DAY + 3 * HOUR + 60_000);
    assert.deepEqual(part.json().items.map((i: { start: string }) => Date.parse(i.start)), [RECORDINGS[2]!.startAt, RECORDINGS[3]!.startAt], 'only the overlapping ones');
  });

  test('a range without recordings: SumNum 0 with no list → an empty list, not an error or a wait', async () => {
    const dev = await registered('34020000001320000702');
    const timedOut = await queriesTimedOut();
    const res = await list(dev.channelIds[0]!, DAY - 10 * HOUR, DAY - 5 * HOUR);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().items, []);
    assert.equal(res.json().sumNum, 0);
    assert.equal(res.json().messages, 1);
    assert.equal(await queriesTimedOut(), timedOut, 'answered by the empty Response, not ended by the timeout');
  });

  test('a malformed RecordInfo answer: 502 naming the problem at once (not the timeout), the gateway and the device carry on', async () => {
    const dev = await registered('34020000001320000703', { malformedRecordInfo: true });
    const timedOut = await queriesTimedOut();
    const res = await list(dev.channelIds[0]!, DAY - HOUR, DAY + HOUR);
    assert.equal(res.statusCode, 502, res.body);
    assert.equal(res.json().code, 'GW_ERR_DEVICE_REFUSED');
    assert.match(res.json().message, /RecordInfo answer from 34020000001320000703 is malformed: <SumNum>/);
    assert.equal(await queriesTimedOut(), timedOut, 'ended by the bad answer, not by the timeout');
    dev.options.malformedRecordInfo = false;
    assert.equal((await list(dev.channelIds[0]!, DAY - HOUR, DAY + HOUR)).json().sumNum, 1, 'the next query works');
  });

  test('a device that does not answer: 504; bad ranges 400; a non-GB28181 channel 400; an unknown one 404', async () => {
    const dev = await registered('34020000001320000704', { mute: { RecordInfo: 'no-response' } });
    const res = await list(dev.channelIds[0]!, DAY - HOUR, DAY + HOUR);
    assert.equal(res.statusCode, 504, res.body);
    assert.equal(res.json().code, 'GW_ERR_DEVICE_TIMEOUT');
    const backwards = await list(dev.channelIds[0]!, DAY + HOUR, DAY);
    assert.equal(backwards.statusCode, 400);
    assert.equal(backwards.json().field, 'to');
    assert.equal((await list(dev.channelIds[0]!, DAY - 40 * 24 * HOUR, DAY)).statusCode, 400);
    const rtsp = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'rec-rtsp-1', name: 'RTSP', kind: 'rtsp', source: { url: 'rtsp://127.0.0.1:1/x' } } });
    assert.equal(rtsp.statusCode, 201, rtsp.body);
    const notGb = await list('rec-rtsp-1', DAY - HOUR, DAY);
    assert.equal(notGb.statusCode, 400);
    assert.match(notGb.json().message, /GB28181 channel/);
    assert.equal((await list('no-such-channel', DAY - HOUR, DAY)).statusCode, 404);
  });
});
