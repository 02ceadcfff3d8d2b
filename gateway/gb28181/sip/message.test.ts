// Parser and writer: realistic GB28181 traffic round-trips byte for byte, and
// malformed input is refused with a SipParseError carrying status and reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SipParseError } from './errors.ts';
import { allFixtures, dahuaKeepalive, hikCatalog, hikInviteOk, keepaliveXml, platformInvite, sipText } from './fixtures.ts';
import { SipHeaders, parseSipMessage, serializeSip } from './message.ts';
import type { SipMessage, SipRequest } from './message.ts';

const rejects = (buf: Buffer, reason: RegExp, opts = {}, status = 400) =>
  assert.throws(() => parseSipMessage(buf, opts), (e: unknown) => e instanceof SipParseError && reason.test(e.reason) && e.status === status);

test('realistic GB28181 messages round-trip byte for byte', () => {
  for (const [name, bytes] of Object.entries(allFixtures)) {
    const parsed = parseSipMessage(bytes, { stream: true });
    assert.deepEqual(serializeSip(parsed), bytes, name);
  }
});

test('a MANSCDP MESSAGE exposes method, headers and the XML body', () => {
  const msg = parseSipMessage(dahuaKeepalive) as SipRequest;
  assert.equal(msg.kind, 'request');
  assert.equal(msg.method, 'MESSAGE');
  assert.equal(msg.uri, 'sip:34020000002000000001@3402000000');
  assert.equal(msg.headers.get('content-type'), 'Application/MANSCDP+xml');
  assert.equal(msg.headers.get('CSEQ'), '20 MESSAGE');
  assert.equal(msg.body.toString(), keepaliveXml);
});

test('a GB2312 body stays bytes', () => {
  const msg = parseSipMessage(hikCatalog);
  assert.ok(msg.body.includes(Buffer.from([0xcd, 0xa8, 0xb5, 0xc0])));
});

test('INVITE carries Subject and SDP; the 200 OK parses as a response', () => {
  const invite = parseSipMessage(platformInvite);
  assert.equal(invite.headers.get('Subject'), '34020000001320000001:0200000001,34020000002000000001:0');
  assert.match(invite.body.toString(), /^v=0\r\n.*y=0200000001\r\n$/s);
  const ok = parseSipMessage(hikInviteOk);
  assert.equal(ok.kind, 'response');
  assert.equal(ok.kind === 'response' && ok.status, 200);
  assert.equal(ok.kind === 'response' && ok.reason, 'OK');
});

test('compact header names map to full names', () => {
  const msg = parseSipMessage(sipText([
    'MESSAGE sip:34020000002000000001@3402000000 SIP/2.0',
    'v: SIP/2.0/TCP 10.0.0.5:5060;branch=z9hG4bKabc',
    'f: <sip:34020000001320000001@3402000000>;tag=1',
    't: <sip:34020000002000000001@3402000000>',
    'i: call-1',
    'CSeq: 3 MESSAGE',
    'm: <sip:34020000001320000001@10.0.0.5:5060>',
    'c: Application/MANSCDP+xml',
    's: hello',
    'k: timer',
    'e: gzip',
    'l: 4',
  ], '<x/>', false), { stream: true });
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'Contact', 'Content-Type', 'Subject', 'Supported', 'Content-Encoding', 'Content-Length']) {
    assert.ok(msg.headers.has(name), name);
  }
  assert.equal(msg.headers.get('Call-ID'), 'call-1');
  assert.equal(msg.body.toString(), '<x/>');
  const out = serializeSip(msg).toString();
  assert.match(out, /\r\nVia: SIP\/2.0\/TCP/);
  assert.match(out, /\r\nContent-Length: 4\r\n\r\n<x\/>$/);
});

const base = [
  'OPTIONS sip:34020000001320000001@10.0.0.5 SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1',
  'From: <sip:a@3402000000>;tag=9',
  'To: <sip:b@3402000000>',
  'Call-ID: c1',
  'CSeq: 1 OPTIONS',
];

test('folded header lines are joined with one space', () => {
  const msg = parseSipMessage(sipText([...base, 'Subject: first part,', ' \t second part', 'Warning: 399', '\tdevice "x"']));
  assert.equal(msg.headers.get('Subject'), 'first part, second part');
  assert.equal(msg.headers.get('Warning'), '399 device "x"');
});

test('several Vias, on separate lines and comma-separated, keep their order', () => {
  const msg = parseSipMessage(sipText([
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;received=1.2.3.4, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2',
    'Via: SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bK3;x="a,b"',
    'From: <sip:a@3402000000>;tag=9', 'To: "B, the camera" <sip:b@3402000000>;tag=3', 'Call-ID: c1', 'CSeq: 1 OPTIONS',
    'Contact: "x,y" <sip:b@10.0.0.5>, <sip:b@10.0.0.6>',
  ]));
  assert.deepEqual(msg.headers.getAll('Via'), [
    'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;received=1.2.3.4',
    'SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2',
    'SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bK3;x="a,b"',
  ]);
  assert.deepEqual(msg.headers.getAll('Contact'), ['"x,y" <sip:b@10.0.0.5>', '<sip:b@10.0.0.6>']);
  assert.deepEqual(msg.headers.getAll('To'), ['"B, the camera" <sip:b@3402000000>;tag=3']);
});

test('Content-Length: required on streams, optional in datagrams, never more than the body', () => {
  const noLength = sipText(base, 'hello', false);
  rejects(noLength, /missing Content-Length/, { stream: true });
  assert.equal(parseSipMessage(noLength).body.toString(), 'hello');
  rejects(sipText(base, 'hello', 9), /body shorter/);
  assert.equal(parseSipMessage(sipText(base, 'hello', 2)).body.toString(), 'he', 'datagram padding dropped');
  rejects(sipText(base, 'hello', 2), /bytes after the body/, { stream: true });
  rejects(sipText(base, 'hello', '-1'), /bad Content-Length/);
  rejects(sipText([...base, 'Content-Length: 5'], 'hello'), /duplicate Content-Length/);
});

test('malformed start lines, versions and headers are refused', () => {
  const swap = (first: string) => sipText([first, ...base.slice(1)]);
  rejects(swap('OPTIONS sip:x@y SIP/3.0'), /version/);
  rejects(swap('OPTIONS  sip:x@y SIP/2.0'), /request line/);
  rejects(swap('OPTIONS sip:x@y'), /request line/);
  rejects(swap('OPT<IONS sip:x@y SIP/2.0'), /method/);
  rejects(swap('OPTIONS nouri SIP/2.0'), /Request-URI/);
  rejects(swap('SIP/2.0 2000 OK'), /status line/);
  rejects(swap('SIP/2.0 099 Odd'), /status line/);
  rejects(swap('INVITE sip:x@y SIP/2.0'), /CSeq method/);
  rejects(sipText([...base, 'Bad Header: x']), /bad header line/);
  rejects(sipText([...base, 'NoColon']), /bad header line/);
  rejects(sipText([' folded first', ...base]), /request line/);
  rejects(sipText(base.filter((l) => !l.startsWith('Call-ID'))), /missing Call-ID/);
  rejects(sipText([...base, 'Call-ID: c2']), /duplicate Call-ID/);
  rejects(sipText([...base.slice(0, 1), 'Via: HTTP/1.1 x', ...base.slice(2)]), /bad Via/);
  rejects(sipText([...base, 'X-Nul: a\u0000b']), /control character/);
  rejects(Buffer.from('OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n'), /no end of header/);
  rejects(Buffer.from('\r\n\r\n'), /empty message/);
});

test('size limits give 513', () => {
  rejects(sipText([...base, `X-Big: ${'a'.repeat(9000)}`]), /line too long/, {}, 513);
  rejects(sipText([...base, ...Array.from({ length: 200 }, (_, i) => `X-${i}: y`)]), /too many headers/, {}, 513);
  rejects(sipText([...base, ...Array.from({ length: 100 }, (_, i) => `X-${i}: ${'y'.repeat(200)}`)]), /too large/, {}, 513);
});

test('a failure after the headers carries the partial request for a 400', () => {
  try {
    parseSipMessage(sipText(base, 'hi', 10));
    assert.fail('expected a SipParseError');
  } catch (err) {
    assert.ok(err instanceof SipParseError);
    assert.equal(err.code, 'SIP_ERR_PARSE');
    const partial = err.partial as SipMessage;
    assert.equal(partial.kind, 'request');
    assert.equal(partial.headers.get('Call-ID'), 'c1');
  }
});

test('leading CRLF keepalives are skipped', () => {
  const msg = parseSipMessage(Buffer.concat([Buffer.from('\r\n\r\n'), sipText(base)]));
  assert.equal(msg.kind === 'request' && msg.method, 'OPTIONS');
});

test('SipHeaders: ordered, case-insensitive, set keeps position', () => {
  const h = new SipHeaders([['Via', 'a'], ['from', 'f'], ['v', 'b'], ['X-Custom', '1']]);
  assert.deepEqual([...h].map(([n]) => n), ['Via', 'From', 'Via', 'X-Custom']);
  assert.deepEqual(h.getAll('VIA'), ['a', 'b']);
  h.set('via', 'c');
  assert.deepEqual([...h], [['Via', 'c'], ['From', 'f'], ['X-Custom', '1']]);
  h.append('Expires', 3600).prepend('Via', 'top');
  assert.equal(h.get('expires'), '3600');
  assert.equal(h.get('v'), 'top');
  assert.equal(h.delete('x-custom'), true);
  assert.equal(h.has('X-Custom'), false);
  assert.equal(new SipHeaders({ 'Content-Type': 'application/sdp' }).get('c'), 'application/sdp');
});

test('serializing refuses header injection', () => {
  const msg = parseSipMessage(sipText(base));
  msg.headers.set('Subject', 'a\r\nEvil: 1');
  assert.throws(() => serializeSip(msg), { code: 'SIP_ERR_BUILD' });
});
