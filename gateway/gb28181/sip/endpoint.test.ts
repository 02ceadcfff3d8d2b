// Endpoint over real sockets: transactions over UDP and TCP, retransmission after a
// lost response, absorption of repeated requests, INVITE/ACK, rate limiting, 400s.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildRequest } from './build.ts';
import type { EndpointOptions } from './endpoint.ts';
import { SipEndpoint } from './endpoint.ts';
import { dahuaKeepalive, sipText } from './fixtures.ts';
import { parseSipMessage } from './message.ts';
import type { SipRequest, SipResponse } from './message.ts';
import { parseVia } from './syntax.ts';
import { SipTransport } from './transport.ts';
import type { SipRemote } from './transport.ts';

const timers = { t1Ms: 20, t2Ms: 80, transactionMs: 1000 };
const closers: (() => Promise<void>)[] = [];
after(() => Promise.all(closers.map((c) => c())));

async function peer(opts: Partial<EndpointOptions> = {}) {
  const transport = new SipTransport({ host: '127.0.0.1', port: 0 });
  await transport.listen();
  const endpoint = new SipEndpoint({ transport, timers, ...opts });
  closers.push(async () => {
    endpoint.close();
    await transport.close();
  });
  const at = (kind: 'udp' | 'tcp'): SipRemote => ({ transport: kind, address: '127.0.0.1', port: transport.address().port });
  return { transport, endpoint, at };
}

const message = (transport: 'UDP' | 'TCP', method = 'MESSAGE', extra: Partial<Parameters<typeof buildRequest>[0]> = {}) =>
  buildRequest({
    method, uri: 'sip:34020000002000000001@3402000000', from: '<sip:34020000001320000001@3402000000>;tag=d1',
    to: '<sip:34020000002000000001@3402000000>', callId: `c-${Math.random()}`, cseq: 1,
    via: { transport, host: '127.0.0.1', port: 5060 }, contentType: 'Application/MANSCDP+xml', body: '<Notify/>', ...extra,
  });

test('request/response over UDP and TCP', { timeout: 5000 }, async () => {
  const seen: SipRemote[] = [];
  const server = await peer({
    onRequest: async (req, remote) => {
      seen.push(remote);
      await server.endpoint.respond(req, remote, 200, undefined, { headers: { 'X-Echo': req.method } });
    },
  });
  const client = await peer();
  for (const kind of ['udp', 'tcp'] as const) {
    const res = await client.endpoint.request(server.at(kind), message(kind === 'udp' ? 'UDP' : 'TCP'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('X-Echo'), 'MESSAGE');
    const via = parseVia(res.headers.get('Via') ?? '');
    assert.equal(via.params.get('received'), '127.0.0.1');
    // UDP leaves from the listening port; a dialled TCP connection from an ephemeral one.
    if (kind === 'udp') assert.equal(via.params.get('rport'), String(client.transport.address().port));
    else assert.match(via.params.get('rport') ?? '', /^\d+$/);
  }
  assert.equal(seen[1]?.transport, 'tcp');
  assert.ok(seen[1]?.connectionId);
});

test('a lost UDP response: the client repeats, the server answers from its cache', { timeout: 5000 }, async () => {
  let runs = 0;
  const server = await peer({
    onRequest: async (req, remote) => {
      runs++;
      await server.endpoint.respond(req, remote, 200);
    },
  });
  // The first response is lost on the way.
  const send = server.transport.send.bind(server.transport);
  let dropped = 0;
  server.transport.send = async (remote, msg) => {
    if (dropped++ === 0) return;
    return send(remote, msg);
  };
  const client = await peer();
  const res = await client.endpoint.request(server.at('udp'), message('UDP'));
  assert.equal(res.status, 200);
  assert.equal(runs, 1, 'the handler ran once');
  assert.ok(client.endpoint.stats.retransmissions >= 1);
  assert.ok(server.endpoint.stats.absorbed >= 1);
});

test('a repeated request gets the identical cached response; the handler runs once', { timeout: 5000 }, async () => {
  let runs = 0;
  const server = await peer({
    onRequest: async (req, remote) => {
      runs++;
      await server.endpoint.respond(req, remote, 200);
    },
  });
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  after(() => socket.close());
  const replies: Buffer[] = [];
  socket.on('message', (b) => replies.push(b));
  for (let i = 0; i < 3; i++) socket.send(dahuaKeepalive, server.transport.address().port, '127.0.0.1');
  while (replies.length < 3) await sleep(5);
  assert.equal(runs, 1);
  assert.deepEqual(replies[1], replies[0]);
  assert.deepEqual(replies[2], replies[0]);
  const res = parseSipMessage(replies[0] as Buffer) as SipResponse;
  assert.equal(res.status, 200);
});

test('no answer: SIP_ERR_TIMEOUT after retransmissions doubling up to T2', { timeout: 5000 }, async () => {
  const silent = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  after(() => silent.close());
  const arrivals: number[] = [];
  silent.on('message', () => arrivals.push(Date.now()));
  const client = await peer();
  const remote: SipRemote = { transport: 'udp', address: '127.0.0.1', port: silent.address().port };
  await assert.rejects(client.endpoint.request(remote, message('UDP'), { timeoutMs: 700 }), { code: 'SIP_ERR_TIMEOUT' });
  // Capped: 0, 20, 60, 140, 220, … 700 ms (10 copies). Uncapped doubling would give 6, with a 320 ms gap.
  assert.ok(arrivals.length >= 7 && arrivals.length <= 11, `${arrivals.length} copies`);
  const gaps = arrivals.slice(1).map((t, i) => t - (arrivals[i] ?? t));
  assert.ok(Math.max(...gaps) < 160, `capped at T2: ${gaps.join(',')}`);
  assert.equal(client.endpoint.stats.timeouts, 1);
});

test('INVITE: 1xx seen, a failure ACKed by the transaction, a 2xx ACK reaches the handler', { timeout: 5000 }, async () => {
  const acks: SipRequest[] = [];
  let answer = 486;
  const server = await peer({
    onRequest: async (req, remote) => {
      if (req.method === 'ACK') {
        acks.push(req);
        return;
      }
      await server.endpoint.respond(req, remote, 180);
      await server.endpoint.respond(req, remote, answer, undefined, answer === 200 ? { contentType: 'application/sdp', body: 'v=0\r\n' } : {});
    },
  });
  const client = await peer();
  const provisional: number[] = [];
  const invite = message('UDP', 'INVITE', { contact: '<sip:34020000002000000001@127.0.0.1>' });
  const busy = await client.endpoint.request(server.at('udp'), invite, { onProvisional: (r) => provisional.push(r.status) });
  assert.equal(busy.status, 486);
  assert.deepEqual(provisional, [180]);
  await sleep(50);
  assert.equal(acks.length, 0, 'the ACK of a failure stays in the transaction');
  const sentAfterAck = server.transport.stats.sent;
  await sleep(100);
  assert.equal(server.transport.stats.sent, sentAfterAck, 'the ACK stopped the 486 retransmissions');

  answer = 200;
  const invite2 = message('UDP', 'INVITE', { contact: '<sip:34020000002000000001@127.0.0.1>' });
  const ok = await client.endpoint.request(server.at('udp'), invite2);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.toString(), 'v=0\r\n');
  client.endpoint.ack(server.at('udp'), invite2, ok);
  while (acks.length === 0) await sleep(5);
  assert.equal(acks[0]?.headers.get('CSeq'), '1 ACK');
  assert.equal(acks[0]?.headers.get('To'), ok.headers.get('To'));
  const sent = server.transport.stats.sent;
  await sleep(100);
  assert.equal(server.transport.stats.sent, sent, 'the ACK stopped the 200 retransmissions');
});

test('an unACKed 2xx to INVITE is repeated over UDP; ack() answers the repeats', { timeout: 5000 }, async () => {
  const server = await peer({
    onRequest: async (req, remote) => {
      if (req.method !== 'ACK') await server.endpoint.respond(req, remote, 200);
    },
  });
  const client = await peer();
  const strays: SipResponse[] = [];
  client.endpoint.on('stray-response', (r) => strays.push(r));
  const invite = message('UDP', 'INVITE', { contact: '<sip:34020000002000000001@127.0.0.1>' });
  const ok = await client.endpoint.request(server.at('udp'), invite);
  await sleep(80);
  assert.ok(strays.length >= 2, 'repeats arrive while no ACK was sent');
  assert.ok(strays.every((r) => r.status === 200 && r.headers.get('Call-ID') === invite.headers.get('Call-ID')));
  client.endpoint.ack(server.at('udp'), invite, ok);
  await sleep(60);
  const settled = strays.length;
  await sleep(120);
  assert.equal(strays.length, settled, 'repeats stop after the ACK');
});

test('the allow() hook limits requests before the handler', { timeout: 5000 }, async () => {
  let runs = 0;
  let budget = 2;
  const server = await peer({
    allow: (_remote, req) => req.method !== 'REGISTER' || budget-- > 0,
    onRequest: async (req, remote) => {
      runs++;
      await server.endpoint.respond(req, remote, 200);
    },
  });
  const client = await peer();
  const results = await Promise.allSettled(
    Array.from({ length: 4 }, () => client.endpoint.request(server.at('udp'), message('UDP', 'REGISTER'), { timeoutMs: 200 })),
  );
  assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'fulfilled', 'rejected', 'rejected']);
  assert.equal(runs, 2);
  // Each dropped arrival counts: the two requests and their retransmissions (judged afresh, still refused).
  assert.ok(server.endpoint.stats.limited > 2, `limited ${server.endpoint.stats.limited}`);
  const rejecting = await peer({ allow: () => false, rejectLimited: true });
  const res = await client.endpoint.request(rejecting.at('udp'), message('UDP'));
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('Retry-After'), '30');
});

test('a request dropped by allow() leaves no transaction: its retransmission is judged afresh and answered', { timeout: 5000 }, async () => {
  let asked = 0;
  const server = await peer({
    allow: () => ++asked > 1, // the first arrival is dropped, its retransmission let through
    onRequest: async (req, remote) => {
      await server.endpoint.respond(req, remote, 200);
    },
  });
  const client = await peer();
  const res = await client.endpoint.request(server.at('udp'), message('UDP', 'REGISTER'));
  assert.equal(res.status, 200);
  assert.equal(server.endpoint.stats.limited, 1);
});

test('bad requests get 400 when answerable; handler failures get 500; no handler gets 501', { timeout: 5000 }, async () => {
  const server = await peer({
    onRequest: async (req) => {
      if (req.method === 'MESSAGE') throw new Error('handler bug');
    },
  });
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  after(() => socket.close());
  const reply = once(socket, 'message') as Promise<[Buffer]>;
  const lines = ['REGISTER sip:x@3402000000 SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKbad', 'From: <sip:a@b>;tag=1', 'To: <sip:a@b>', 'Call-ID: bad-1', 'CSeq: 1 REGISTER'];
  socket.send(sipText(lines, 'x', 40), server.transport.address().port, '127.0.0.1');
  const res = parseSipMessage((await reply)[0]) as SipResponse;
  assert.equal(res.status, 400);
  assert.equal(res.reason, 'Bad Request (body shorter than Content-Length)');
  assert.equal(res.headers.get('Call-ID'), 'bad-1');
  assert.equal(server.endpoint.stats.badRequestsAnswered, 1);

  const client = await peer();
  assert.equal((await client.endpoint.request(server.at('udp'), message('UDP'))).status, 500);
  assert.equal(server.endpoint.stats.handlerErrors, 1);
  const bare = await peer();
  assert.equal((await client.endpoint.request(bare.at('tcp'), message('TCP', 'OPTIONS'))).status, 501);
});

test('close() fails pending requests', { timeout: 5000 }, async () => {
  const silent = await peer({ onRequest: async () => {} });
  const client = await peer();
  const pending = client.endpoint.request(silent.at('udp'), message('UDP'));
  client.endpoint.close();
  await assert.rejects(pending, { code: 'SIP_ERR_CLOSED' });
  const aborted = new AbortController();
  const other = await peer();
  const p2 = other.endpoint.request(silent.at('udp'), message('UDP'), { signal: aborted.signal });
  aborted.abort();
  await assert.rejects(p2, { code: 'SIP_ERR_ABORTED' });
});
