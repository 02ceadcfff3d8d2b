// What a hostile or broken peer can send the SIP server: garbage datagrams,
// truncated and oversized messages, hostile XML, a REGISTER flood. Each is
// answered where SIP wants an answer, counted, and never disturbs a device
// that behaves.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { hikRegister } from '../gateway/gb28181/sip/fixtures.ts';
import { addGbDevice, platformOf, startGbGateway, udpExchange } from './helpers/gb28181.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { GbSimHost, type GbDeviceSim } from './sim/gbsim/index.ts';

const DEVICE = '34020000001320000201';

/** A REGISTER in the simulator's shape, as raw bytes, with a fresh branch each time. */
const rawRegister = (n: number, extraHeaders: string[] = [], body = '') =>
  Buffer.from(
    hikRegister.toString('utf8')
      .replace(/branch=z9hG4bK\d+/, `branch=z9hG4bKflood${n}x${Math.random().toString(36).slice(2)}`)
      .replace('Content-Length: 0', [...extraHeaders, `Content-Length: ${Buffer.byteLength(body)}`].join('\r\n')) + body,
  );

describe('GB28181 bad input', () => {
  let t: TestGateway & { sipPort: number };
  let host: GbSimHost;
  let device: GbDeviceSim;
  before(async () => {
    // A small burst so the flood test is quick; the good device registers from another address.
    t = await startGbGateway(['--gb28181.register.burst', '10', '--gb28181.register.ratePerSecond', '2']);
    host = await GbSimHost.start({ platform: platformOf(t), host: '127.0.0.2' });
    await addGbDevice(t, { id: DEVICE, password: 'good-pass' });
    device = host.addDevice({ deviceId: DEVICE, password: 'good-pass', channels: 2 });
    assert.equal((await device.register()).status, 200);
  });
  after(async () => {
    await host.close();
    await t.stop();
  });

  const stillFine = async () => {
    assert.equal(await device.sendKeepalive(), 200, 'the good device is still heard');
    assert.equal((await t.call('operator', { method: 'GET', url: '/healthz' })).statusCode, 200);
  };

  test('garbage datagrams are dropped and counted, never answered', async () => {
    const before = t.gw.gb28181!.status().transport as { parseErrors: number };
    const start = before.parseErrors;
    for (let i = 0; i < 50; i++) assert.equal(await udpExchange(t.sipPort, randomBytes(20 + i * 13), 30), undefined);
    const after = t.gw.gb28181!.status().transport as { parseErrors: number };
    assert.ok(after.parseErrors >= start + 45, `parse errors ${after.parseErrors - start}`);
    await stillFine();
  });

  test('a truncated request that can still be answered gets 400; a body longer than declared is refused', async () => {
    const whole = rawRegister(1).toString('utf8');
    const truncated = whole.slice(0, whole.indexOf('Contact:')) + 'Content-Length: 50\r\n\r\nshort';
    const answer = await udpExchange(t.sipPort, Buffer.from(truncated));
    assert.match(answer ?? '', /^SIP\/2\.0 400 /);
    const cut = await udpExchange(t.sipPort, Buffer.from(whole.slice(0, 60)), 300);
    assert.equal(cut, undefined, 'a start line alone cannot be answered');
    await stillFine();
  });

  test('an oversized message over TCP gets 513 and the connection is closed, without reading the body', async () => {
    const socket = connect({ host: '127.0.0.1', port: t.sipPort });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const head = rawRegister(2).toString('utf8').replace('SIP/2.0/UDP', 'SIP/2.0/TCP').replace('Content-Length: 0', 'Content-Length: 50000000');
    socket.write(head);
    await closed;
    assert.match(answer, /^SIP\/2\.0 513 /);
    await stillFine();
  });

  test('hostile and malformed XML from a registered device: 400 with the reason, the device stays registered', async () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>' +
      '<Notify><CmdType>Keepalive</CmdType><SN>1</SN><DeviceID>&lol2;</DeviceID></Notify>';
    const bombAnswer = await device.sendRawMessage(Buffer.from(bomb));
    assert.equal(bombAnswer.status, 400);
    assert.match(bombAnswer.reason, /MANSCDP_FORBIDDEN/);
    const broken = await device.sendRawMessage(Buffer.from('<Notify><CmdType>Keepalive</CmdType><SN>1</SN>'));
    assert.equal(broken.status, 400);
    const noId = await device.sendRawMessage(Buffer.from('<Notify><CmdType>Keepalive</CmdType><SN>1</SN></Notify>'));
    assert.equal(noId.status, 400);
    assert.match(noId.reason, /MANSCDP_MISSING_FIELD/);
    assert.ok((t.gw.gb28181!.status().messages as { badBodies: number }).badBodies >= 3);
    await stillFine();
  });

  test('a PTZ body that is nested or large is refused by shape before any field is read', async () => {
    const channelId = `${DEVICE.slice(0, 10)}1320000001`;
    const nested = { pan: 'left', extra: { a: { b: 1 } } };
    const res = await t.call('operator', { method: 'POST', url: `/api/channels/${channelId}/ptz`, payload: nested });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().code, 'GW_ERR_VALIDATION');
    assert.match(res.json().message, /level|deep|depth/, res.body);
    const wide = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]));
    assert.equal((await t.call('operator', { method: 'POST', url: `/api/channels/${channelId}/ptz`, payload: wide })).statusCode, 400);
    await stillFine();
  });

  test('a MESSAGE from a device that is not registered is refused 403', async () => {
    const stranger = host.addDevice({ deviceId: '34020000001320000299', password: 'x', channels: 0 });
    assert.equal(await stranger.sendKeepalive(), 403);
  });

  test('a REGISTER flood from one address is rate-limited; the good device on another address is not', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.3', resolve)); // an address with a full bucket
    let answers = 0;
    socket.on('message', () => answers++);
    for (let i = 0; i < 200; i++) socket.send(rawRegister(100 + i), t.sipPort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 1000));
    socket.close();
    assert.ok(answers >= 10 && answers <= 20, `${answers} of 200 answered`);
    assert.ok((t.gw.gb28181!.status().limitedRegisters as number) >= 150);
    assert.equal((await device.register()).status, 200);
    await stillFine();
  });
});
