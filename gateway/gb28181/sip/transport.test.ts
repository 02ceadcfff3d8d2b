// Transport over real sockets on port 0: UDP and TCP on one port, garbage and
// oversize counted without harm to other peers, busy ports, TCP limits and idling.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dahuaKeepalive, hikRegister, sipText } from './fixtures.ts';
import type { SipMessage } from './message.ts';
import { SipTransport } from './transport.ts';
import type { BadMessage, SipRemote } from './transport.ts';

const open: SipTransport[] = [];
after(() => Promise.all(open.map((t) => t.close())));

async function server(opts: ConstructorParameters<typeof SipTransport>[0] = {}) {
  const t = new SipTransport({ host: '127.0.0.1', port: 0, ...opts });
  await t.listen();
  open.push(t);
  return t;
}

const nextMessage = (t: SipTransport) => once(t, 'message') as Promise<[SipMessage, SipRemote]>;

async function udpClient() {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  after(() => socket.close());
  return socket;
}

async function tcpClient(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  after(() => socket.destroy());
  return socket;
}

test('UDP and TCP share one port; TCP messages name their connection', { timeout: 5000 }, async () => {
  const t = await server();
  const { udp, tcp, port } = t.address();
  assert.ok(port > 0);
  assert.equal(udp, tcp);
  const u = await udpClient();
  const got = nextMessage(t);
  u.send(dahuaKeepalive, port, '127.0.0.1');
  const [msg, remote] = await got;
  assert.equal(msg.kind === 'request' && msg.method, 'MESSAGE');
  assert.deepEqual(remote, { transport: 'udp', address: '127.0.0.1', port: u.address().port });

  const s = await tcpClient(port);
  const gotTcp = nextMessage(t);
  s.write(hikRegister.subarray(0, 50));
  await sleep(10);
  s.write(hikRegister.subarray(50));
  const [reg, from] = await gotTcp;
  assert.equal(reg.kind === 'request' && reg.method, 'REGISTER');
  assert.equal(from.transport, 'tcp');
  assert.match(from.connectionId ?? '', /^tcp-\d+$/);
  // The reply goes back on the same connection.
  const echoed = once(s, 'data');
  await t.send(from, dahuaKeepalive);
  assert.deepEqual((await echoed)[0], dahuaKeepalive);
  assert.equal(t.stats.received, 2);
  assert.equal(t.stats.sent, 1);
});

test('send() over TCP dials a peer that has no connection yet, then reuses it', { timeout: 5000 }, async () => {
  const a = await server();
  const b = await server();
  const remote: SipRemote = { transport: 'tcp', address: '127.0.0.1', port: b.address().port };
  const got = nextMessage(b);
  await a.send(remote, dahuaKeepalive);
  const [, from] = await got;
  const back = nextMessage(a);
  await b.send(from, hikRegister);
  const [reply, replyFrom] = await back;
  assert.equal(reply.kind === 'request' && reply.method, 'REGISTER');
  assert.equal(replyFrom.port, remote.port, 'arrives on the dialled connection');
  await a.send(remote, dahuaKeepalive);
  assert.equal(a.stats.tcpOpen, 1);
});

test('garbage and oversized datagrams are counted; a good client is still served', { timeout: 5000 }, async () => {
  const t = await server({ maxDatagramBytes: 4096 });
  const bad: BadMessage[] = [];
  t.on('bad-message', (b) => bad.push(b));
  const evil = await udpClient();
  evil.send(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x0d, 0x0a, 0x0d, 0x0a]), t.address().port, '127.0.0.1');
  evil.send(Buffer.alloc(5000, 0x41), t.address().port, '127.0.0.1');
  evil.send(sipText(['REGISTER sip:x@y SIP/2.0', 'Via: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1', 'From: <sip:a@b>;tag=1', 'To: <sip:a@b>', 'Call-ID: 1', 'CSeq: 1 REGISTER'], 'x', 50), t.address().port, '127.0.0.1');
  evil.send(Buffer.from('\r\n\r\n'), t.address().port, '127.0.0.1');
  const good = await udpClient();
  // A listener that throws is counted; the socket goes on serving.
  const throwing = () => {
    throw new Error('a listener that throws');
  };
  t.on('message', throwing);
  good.send(dahuaKeepalive, t.address().port, '127.0.0.1');
  while (t.stats.handlerErrors === 0) await sleep(5);
  t.off('message', throwing);
  const got = nextMessage(t);
  good.send(dahuaKeepalive, t.address().port, '127.0.0.1');
  const [, remote] = await got;
  assert.equal(remote.port, good.address().port);
  await sleep(10);
  assert.equal(t.stats.parseErrors, 2);
  assert.equal(t.stats.oversized, 1);
  assert.equal(t.stats.keepalives, 1);
  assert.equal(t.stats.handlerErrors, 1);
  assert.equal(bad.length, 3);
  assert.ok(bad.some((b) => b.reason === 'body shorter than Content-Length' && b.partial?.kind === 'request'));
  assert.ok(bad.some((b) => b.status === 513));
});

test('a broken TCP stream closes that connection only', { timeout: 5000 }, async () => {
  const t = await server();
  const bad = once(t, 'bad-message') as Promise<[BadMessage]>;
  const evil = await tcpClient(t.address().port);
  const good = await tcpClient(t.address().port);
  const closed = once(evil, 'close');
  evil.write(`MESSAGE sip:x@y SIP/2.0\r\nX: ${'a'.repeat(20_000)}`);
  const [info] = await bad;
  assert.equal(info.status, 513);
  assert.equal(info.closed, true);
  await closed;
  const got = nextMessage(t);
  good.write(dahuaKeepalive);
  await got;
  assert.equal(t.stats.oversized, 1);
});

test('a busy port makes listen() fail clearly', { timeout: 5000 }, async () => {
  const t = await server();
  const clash = new SipTransport({ host: '127.0.0.1', port: t.address().port });
  await assert.rejects(clash.listen(), (e: Error & { code?: string }) => e.code === 'SIP_ERR_ADDR_IN_USE' && /port \d+ on 127.0.0.1 is already in use/.test(e.message));
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  after(() => blocker.close());
  const tcpPort = (blocker.address() as net.AddressInfo).port;
  const clash2 = new SipTransport({ host: '127.0.0.1', port: tcpPort });
  await assert.rejects(clash2.listen(), /SIP tcp port \d+ on 127.0.0.1 is already in use/);
  await assert.rejects(clash2.send({ transport: 'udp', address: '127.0.0.1', port: 9 }, dahuaKeepalive), { code: 'SIP_ERR_CLOSED' });
});

test('TCP connections per address are capped; idle ones are closed', { timeout: 5000 }, async () => {
  const t = await server({ maxConnectionsPerAddress: 2, tcpIdleMs: 150 });
  const a = await tcpClient(t.address().port);
  await tcpClient(t.address().port);
  const c = await tcpClient(t.address().port);
  await once(c, 'close');
  assert.equal(t.stats.tcpRejected, 1);
  assert.equal(t.stats.tcpOpen, 2);
  const closed = once(t, 'tcp-closed');
  await once(a, 'close');
  await closed;
  assert.ok(t.stats.tcpIdleClosed >= 1);
});

test('a CRLFCRLF ping over TCP gets a CRLF pong', { timeout: 5000 }, async () => {
  const t = await server();
  const s = await tcpClient(t.address().port);
  const pong = once(s, 'data');
  s.write('\r\n\r\n');
  assert.equal((await pong)[0].toString(), '\r\n');
  assert.equal(t.stats.keepalives, 1);
});
