// What an upper platform gets from us, against a real upper endpoint on
// localhost: the catalog paged up to SumNum, sharing by grid cell, NOTIFYs as
// channels come and go, INVITEs (not shared 403, unknown 404, shared → the
// upward module's answer, ACK, BYE both ways), DeviceControl, alarms filtered.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { GwError, SYSTEM_ACTOR } from '../../../device-registry/index.ts';
import { childList, childText, encodePtzCmd, type CatalogItem, type ManscdpMessage, type XmlElement } from '../manscdp/index.ts';
import { decodeCatalog } from '../manscdp/index.ts';
import { codePrefix } from './codes.ts';
import { startLower, upperEntry, CIVIL, LOWER_ID, type TestLower } from './test-lower.ts';
import { TestUpper, UPPER_ID } from './test-upper.ts';
import type { UpwardStreams } from '../upward/index.ts';

const open: Array<TestLower | TestUpper> = [];
after(() => Promise.all(open.map((x) => x.close())));

async function pair(extra: Parameters<typeof upperEntry>[1] = {}, beforeStart?: NonNullable<Parameters<typeof startLower>[1]>['beforeStart']) {
  const upper = await TestUpper.start('Up-Secret-123');
  open.push(upper);
  const lower = await startLower([upperEntry(upper.port, extra)], { beforeStart });
  open.push(lower);
  await upper.until('registered', () => lower.cascade.status()[0]!.state === 'registered');
  return { upper, lower };
}

/** Asks for the catalog and gathers the Response MESSAGEs until SumNum items came. */
async function catalog(upper: TestUpper, lower: TestLower, sn: number): Promise<{ items: CatalogItem[]; messages: number; sumNum: number }> {
  const res = await upper.query(lower.remote('udp'), LOWER_ID, 'Catalog', sn);
  assert.equal(res.status, 200);
  const mine = () => upper.bodies('Response:Catalog').filter((m) => m.sn === sn).map(decodeCatalog);
  await upper.until('the whole catalog', () => {
    const parts = mine();
    return parts.length > 0 && parts.reduce((n, p) => n + p.items.length, 0) >= parts[0]!.sumNum;
  });
  const parts = mine();
  return { items: parts.flatMap((p) => p.items), messages: parts.length, sumNum: parts[0]!.sumNum };
}

const grid = (registry: TestLower['registry'], code: string, level: string, parentCode?: string) =>
  registry.create('grids', { code, name: code, level, ...(parentCode ? { parentCode } : {}) }, SYSTEM_ACTOR);

test('the catalog of 45 channels: codes assigned from the civil code, 20 items per MESSAGE, SumNum 45', { timeout: 60_000 }, async () => {
  const { upper, lower } = await pair();
  for (let i = 0; i < 45; i++) await lower.addRtsp(`摄像机 ${i + 1}`, { location: { lat: 31.2 + i / 1000, lng: 121.5 } });
  await upper.until('codes for all', () => [...lower.cascade.book.all()].every((v) => v.code) && lower.cascade.book.size === 45);
  const { items, messages, sumNum } = await catalog(upper, lower, 7001);
  assert.equal(sumNum, 45);
  assert.equal(messages, 3);
  assert.equal(items.length, 45);
  assert.equal(new Set(items.map((i) => i.deviceId)).size, 45, 'every code is unique');
  for (const item of items) {
    assert.match(item.deviceId, new RegExp(`^${codePrefix(CIVIL)}\\d{6}$`));
    assert.equal(item.parentId, LOWER_ID);
    assert.equal(item.civilCode, CIVIL);
    assert.equal(item.status, 'ON');
    assert.ok(item.latitude && item.longitude);
  }
  assert.ok(items.some((i) => i.name === '摄像机 45'));
  // Stored in the registry, so the code stays through a restart.
  const stored = await lower.registry.getStored('channels', lower.cascade.book.idOfCode(items[0]!.deviceId)!);
  assert.equal(stored?.doc.gbCode, items[0]!.deviceId);
  assert.equal(lower.cascade.status()[0]!.counts.catalogQueries, 1);

  // DeviceInfo and DeviceStatus of our platform.
  await upper.query(lower.remote('udp'), LOWER_ID, 'DeviceInfo', 7002);
  await upper.query(lower.remote('udp'), LOWER_ID, 'DeviceStatus', 7003);
  const info = await upper.until('DeviceInfo', () => upper.bodies('Response:DeviceInfo')[0]);
  assert.equal(childText(info.fields, 'Channel'), '45');
  assert.equal(info.deviceId, LOWER_ID);
  const st = await upper.until('DeviceStatus', () => upper.bodies('Response:DeviceStatus')[0]);
  assert.equal(childText(st.fields, 'Online'), 'ONLINE');
});

test('codes for channels that exist before the first start: given in batches, unique, in sequence', { timeout: 120_000 }, async () => {
  const { lower } = await pair({}, async (registry) => {
    for (let i = 0; i < 1050; i++) await registry.create('channels', { kind: 'rtmp', name: `推流 ${i}`, source: {} }, SYSTEM_ACTOR);
  });
  const codes = [...lower.cascade.book.all()].map((v) => v.code).sort();
  assert.equal(codes.length, 1050);
  assert.equal(codes[0], `${codePrefix(CIVIL)}000001`);
  assert.equal(codes.at(-1), `${codePrefix(CIVIL)}001050`);
  assert.equal(new Set(codes).size, 1050);
  assert.ok(lower.logs.some((l) => l.includes('"assigned":1050')));
});

test('the code is editable and unique: taken → 409 naming gbCode; not 20 digits → 400', { timeout: 30_000 }, async () => {
  const { lower } = await pair();
  const a = await lower.addRtsp('A', { gbCode: '31010100001310000999' });
  const b = await lower.addRtsp('B');
  await assert.rejects(lower.registry.update('channels', b, { gbCode: '31010100001310000999' }, SYSTEM_ACTOR), (err: unknown) => {
    assert.ok(err instanceof GwError);
    assert.equal(err.statusCode, 409);
    assert.equal(err.field, 'gbCode');
    return true;
  });
  await assert.rejects(lower.registry.update('channels', b, { gbCode: '123' }, SYSTEM_ACTOR), (err: unknown) => err instanceof GwError && err.statusCode === 400 && err.field === 'gbCode');
  // B got a code of its own, after the highest in use under our prefix.
  const codeB = await pollStored(lower, b);
  assert.equal(codeB, `${codePrefix(CIVIL)}001000`);
  assert.equal(lower.cascade.book.get(a)?.code, '31010100001310000999');
});

test('sharing by grid cell: a cell shares the cells below it, not its neighbours', { timeout: 30_000 }, async () => {
  const ids: Record<string, string> = {};
  const { upper, lower } = await pair({ share: { grids: ['D'] } }, async (registry) => {
    await grid(registry, 'D', 'district');
    await grid(registry, 'D-S1', 'street', 'D');
    await grid(registry, 'E', 'district');
    for (const [name, gridCode] of [['in-D', 'D'], ['in-D-S1', 'D-S1'], ['in-E', 'E']]) {
      ids[name!] = String((await registry.create('channels', { kind: 'rtsp', name, gridCode, source: { url: `rtsp://10.1.1.1/${name}` } }, SYSTEM_ACTOR)).item.id);
    }
  });
  const { items } = await catalog(upper, lower, 7101);
  assert.deepEqual(items.map((i) => i.name).sort(), ['in-D', 'in-D-S1']);
  // A channel outside was never given a code.
  assert.equal(lower.cascade.book.get(ids['in-E']!)?.code, undefined);
});

test('Catalog NOTIFYs: ADD when a shared channel is created, UPDATE on a rename, OFF/ON with its status, DEL when it is deleted', { timeout: 30_000 }, async () => {
  const { upper, lower } = await pair();
  const notifies = () => upper.received.filter((r) => r.method === 'NOTIFY' && r.msg?.cmdType === 'Catalog').flatMap((r) => itemsOf(r.msg!));
  // Before any subscription: outside a dialog.
  const first = await lower.addRtsp('未订阅');
  assert.equal((await upper.until('ADD', () => notifies().find((i) => i.event === 'ADD'))).name, '未订阅');
  assert.equal(upper.received.find((r) => r.method === 'NOTIFY')!.req.headers.get('Event'), 'Catalog');
  // The upper platform subscribes: the NOTIFYs come in its dialog.
  const sub = await upper.subscribe(lower.remote('udp'), LOWER_ID);
  assert.equal(sub.res.status, 200);
  assert.equal(sub.res.headers.get('Expires'), '600');
  const id = await lower.addRtsp('新摄像机');
  const added = await upper.until('ADD', () => notifies().find((i) => i.event === 'ADD' && i.name === '新摄像机'));
  const inDialog = upper.received.filter((r) => r.method === 'NOTIFY').at(-1)!.req;
  assert.equal(inDialog.headers.get('Call-ID'), sub.req.headers.get('Call-ID'));
  assert.match(inDialog.headers.get('Subscription-State') ?? '', /^active;expires=\d+$/);
  assert.ok(first);
  await lower.registry.update('channels', id, { name: '改名' }, SYSTEM_ACTOR);
  const updated = await upper.until('UPDATE', () => notifies().find((i) => i.event === 'UPDATE'));
  assert.equal(updated.name, '改名');
  assert.equal(updated.deviceId, added.deviceId);
  // Its live status: OFF when offline, ON again when back.
  await lower.registry.setStatus('channels', id, { state: 'offline', reason: 'unreachable' });
  assert.equal((await upper.until('OFF', () => notifies().find((i) => i.event === 'OFF'))).deviceId, added.deviceId);
  await lower.registry.setStatus('channels', id, { state: 'online' });
  assert.equal((await upper.until('ON', () => notifies().find((i) => i.event === 'ON'))).deviceId, added.deviceId);
  await lower.registry.remove('channels', id, SYSTEM_ACTOR);
  const removed = await upper.until('DEL', () => notifies().find((i) => i.event === 'DEL'));
  assert.equal(removed.deviceId, added.deviceId);
});

test('INVITE from above: unknown code 404, not shared 403, shared → 200 with our SDP; ACK starts, BYE stops; the stream ending sends BYE up', { timeout: 30_000 }, async () => {
  const { upper, lower } = await pair({ share: { tags: ['up'] } });
  const shared = await lower.addRtsp('shared', { tags: ['up'] });
  const other = await lower.addRtsp('other', { gbCode: '31010100001310000500' });
  const code = await upper.until('a code', () => lower.cascade.book.get(shared)?.code);
  assert.equal(lower.cascade.book.get(other)?.code, '31010100001310000500');
  const offer = (port: number) => `v=0\r\no=${UPPER_ID} 0 0 IN IP4 127.0.0.1\r\ns=Play\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video ${port} RTP/AVP 96\r\na=recvonly\r\na=rtpmap:96 PS/90000\r\ny=0100000001\r\n`;
  const remote = lower.remote('udp');

  const unknown = await upper.invite(remote, '31010100001319999999', offer(40000));
  assert.equal(unknown.res.status, 404);
  const notShared = await upper.invite(remote, '31010100001310000500', offer(40000));
  assert.equal(notShared.res.status, 403);
  assert.match(notShared.res.reason, /not shared/);
  const noMedia = await upper.invite(remote, code, offer(40000));
  assert.equal(noMedia.res.status, 503, 'no upward module yet');

  const upward = new StandInUpward();
  lower.cascade.useUpward(upward);
  const call = await upper.invite(remote, code, offer(40002));
  assert.equal(call.res.status, 200);
  const sdp = call.res.body.toString();
  assert.match(sdp, /^s=Play$/m);
  assert.match(sdp, /^a=sendonly$/m);
  assert.match(sdp, /^y=0100000001$/m);
  assert.match(sdp, /^m=video 41000 RTP\/AVP 96$/m);
  assert.deepEqual(upward.opened[0], { channelId: shared, upperId: UPPER_ID, address: '127.0.0.1', port: 40002, transport: 'udp' });
  upper.ack(remote, call.req, call.res);
  await upper.until('started', () => upward.started.length === 1);
  const bye = await upper.bye(remote, call.req, call.res);
  assert.equal(bye.status, 200);
  assert.deepEqual(upward.closed.map((c) => c.reason), ['the upper platform hung up']);

  // The stream ends on its own: we send BYE to the upper platform.
  const second = await upper.invite(remote, code, offer(40004));
  upper.ack(remote, second.req, second.res);
  upward.end(second.req.headers.get('Call-ID')!, 'ingest stopped');
  const ours = await upper.until('our BYE', () => upper.received.find((r) => r.method === 'BYE'));
  assert.equal(ours.req.headers.get('Call-ID'), second.req.headers.get('Call-ID'));
  assert.equal(lower.cascade.calls.size, 0);
});

test('CANCEL of an INVITE still being prepared: 200 to the CANCEL, 487 to the INVITE, the media freed', { timeout: 30_000 }, async () => {
  const { upper, lower } = await pair();
  const id = await lower.addRtsp('cam');
  const code = await upper.until('a code', () => lower.cascade.book.get(id)?.code);
  const upward = new StandInUpward();
  let release!: () => void;
  upward.gate = new Promise<void>((r) => (release = r));
  lower.cascade.useUpward(upward);
  const call = upper.startInvite(lower.remote('udp'), code, `v=0\r\no=x 0 0 IN IP4 127.0.0.1\r\ns=Play\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 40020 RTP/AVP 96\r\ny=0100000003\r\n`);
  await upper.until('opening', () => upward.opened.length === 1);
  assert.equal((await call.cancel()).status, 200);
  assert.equal((await call.final).status, 487);
  release();
  await upper.until('closed', () => upward.closed.length === 1);
  assert.equal(upward.closed[0]!.reason, 'cancelled by the upper platform');
  assert.equal(lower.cascade.calls.size, 0);
});

test('an upper platform lost (keepalives unanswered): its calls are closed', { timeout: 30_000 }, async () => {
  const { upper, lower } = await pair({ keepaliveSeconds: 1, keepaliveMissed: 1 });
  const id = await lower.addRtsp('cam');
  const code = await upper.until('a code', () => lower.cascade.book.get(id)?.code);
  const upward = new StandInUpward();
  lower.cascade.useUpward(upward);
  const remote = lower.remote('udp');
  const call = await upper.invite(remote, code, `v=0\r\no=x 0 0 IN IP4 127.0.0.1\r\ns=Play\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 40010 TCP/RTP/AVP 96\r\na=setup:passive\r\ny=0100000002\r\n`);
  assert.equal(call.res.status, 200);
  assert.match(call.res.body.toString(), /^a=setup:active$/m, 'the upper listens (passive): we connect');
  upper.ack(remote, call.req, call.res);
  upper.keepalives = 'ignore';
  const closed = await upper.until('closed', () => upward.closed[0]);
  assert.match(closed.reason, /^upper platform lost: keepalive unanswered 1 times$/);
  assert.equal(lower.cascade.calls.size, 0);
});

test('DeviceControl: a GB28181 channel gets the PTZCmd, an RTSP channel answers ERROR', { timeout: 30_000 }, async () => {
  let gbId = '';
  const { upper, lower } = await pair({}, async (registry) => {
    gbId = String((await registry.create('channels', { kind: 'gb28181', name: 'GB', source: { deviceId: '31010100001320000001', channelId: '31010100001310000001' } }, SYSTEM_ACTOR)).item.id);
  });
  const rtsp = await lower.addRtsp('rtsp');
  const rtspCode = await upper.until('code', () => lower.cascade.book.get(rtsp)?.code);
  const ptzCmd = encodePtzCmd({ pan: 'left', panSpeed: 100 });
  const control = (code: string, sn: number) => `<?xml version="1.0" encoding="UTF-8"?>\r\n<Control>\r\n<CmdType>DeviceControl</CmdType>\r\n<SN>${sn}</SN>\r\n<DeviceID>${code}</DeviceID>\r\n<PTZCmd>${ptzCmd}</PTZCmd>\r\n</Control>\r\n`;
  assert.equal((await upper.rawMessage(lower.remote('udp'), LOWER_ID, control('31010100001310000001', 1))).status, 200);
  await upper.until('forwarded', () => lower.ptz.length === 1);
  assert.deepEqual(lower.ptz[0], { channelId: gbId, ptzCmd });
  await upper.rawMessage(lower.remote('udp'), LOWER_ID, control(rtspCode, 2));
  const results = await upper.until('two results', () => upper.bodies('Response:DeviceControl').length === 2 && upper.bodies('Response:DeviceControl'));
  assert.deepEqual(results.map((m) => [m.sn, childText(m.fields, 'Result')]), [[1, 'OK'], [2, 'ERROR']]);
  assert.equal(lower.ptz.length, 1);
  // A body that is not MANSCDP XML: 400.
  assert.equal((await upper.rawMessage(lower.remote('udp'), LOWER_ID, '<Query><CmdType>Catalog')).status, 400);
});

test('alarms up: only incidents the filter wants (severity, grid cell), with the channel code and priority', { timeout: 30_000 }, async () => {
  let channelId = '';
  const { upper, lower } = await pair({ alarms: { severities: ['critical', 'major'], grids: ['D'] } }, async (registry) => {
    await grid(registry, 'D', 'district');
    await grid(registry, 'D-S1', 'street', 'D');
    await grid(registry, 'E', 'district');
    channelId = String((await registry.create('channels', { kind: 'rtsp', name: 'cam', gridCode: 'D-S1', source: { url: 'rtsp://10.2.2.2/x' } }, SYSTEM_ACTOR)).item.id);
  });
  const code = await upper.until('code', () => lower.cascade.book.get(channelId)?.code);
  const incident = (id: string, severity: string, gridCode: string) => ({
    type: 'incident.created',
    payload: { id, type: 'intrusion', severity, title: `闯入 ${id}`, source: { kind: 'detector', id: channelId }, location: { lat: 31.2, lng: 121.5 }, gridCode, firstSeen: new Date().toISOString() },
  });
  lower.incidents.emit('event', incident('i-minor', 'minor', 'D-S1'));
  lower.incidents.emit('event', incident('i-outside', 'critical', 'E'));
  lower.incidents.emit('event', incident('i-wanted', 'major', 'D-S1'));
  lower.incidents.emit('event', { type: 'incident.updated', payload: incident('i-update', 'major', 'D-S1').payload });
  // The filter decides as each event comes: one alarm sent, for the wanted incident.
  assert.equal(lower.cascade.status()[0]!.counts.alarmsSent, 1, 'only the wanted incident goes up');
  const alarm = await upper.until('the alarm', () => upper.bodies('Notify:Alarm')[0]);
  assert.equal(alarm.deviceId, code);
  assert.equal(childText(alarm.fields, 'AlarmPriority'), '2');
  assert.equal(childText(alarm.fields, 'AlarmMethod'), '5');
  assert.equal(childText(alarm.fields, 'AlarmDescription'), '闯入 i-wanted');
  assert.equal(lower.cascade.status()[0]!.counts.alarmsSent, 1);
});

/** The code stored on a channel, once it has one. */
async function pollStored(lower: TestLower, id: string): Promise<unknown> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const code = (await lower.registry.getStored('channels', id))?.doc.gbCode;
    if (code || Date.now() > deadline) return code;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function itemsOf(msg: ManscdpMessage): Array<CatalogItem & { event?: string }> {
  const deviceList = childList(msg.fields, 'DeviceList')[0];
  const list = typeof deviceList === 'object' ? childList(deviceList, 'Item').filter((i): i is XmlElement => typeof i === 'object') : [];
  return list.map((item) => ({ deviceId: childText(item, 'DeviceID') ?? '', name: childText(item, 'Name'), event: childText(item, 'Event') }));
}

/** The upward media module, as far as signalling sees it. */
class StandInUpward implements UpwardStreams {
  readonly opened: Array<{ channelId: string; upperId: string; address: string; port: number; transport: string }> = [];
  readonly started: string[] = [];
  readonly closed: Array<{ callId: string; reason: string }> = [];
  private listener: ((callId: string, reason: string) => void) | undefined;
  /** When set, open() waits for it (a stream that takes its time to start). */
  gate: Promise<void> | undefined;

  async open(s: Parameters<UpwardStreams['open']>[0]) {
    this.opened.push({ channelId: s.channelId, upperId: s.upperId, address: s.offer.address, port: s.offer.port, transport: s.offer.transport });
    await this.gate;
    const setup = s.offer.transport === 'tcp' ? (s.offer.setup === 'passive' ? 'active' as const : 'passive' as const) : undefined;
    return { address: '127.0.0.1', port: 41000, transport: s.offer.transport, ssrc: s.offer.ssrc ?? '0100000001', ...(setup ? { setup } : {}) };
  }

  openFrom(s: Parameters<UpwardStreams['open']>[0]) {
    return this.open(s);
  }

  start(callId: string) {
    this.started.push(callId);
  }

  close(callId: string, reason: string) {
    this.closed.push({ callId, reason });
  }

  sessions() {
    return [];
  }

  onEnded(listener: (callId: string, reason: string) => void) {
    this.listener = listener;
  }

  end(callId: string, reason: string) {
    this.listener?.(callId, reason);
  }
}
