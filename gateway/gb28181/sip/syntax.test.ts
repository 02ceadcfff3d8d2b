// Header grammars (URI, name-addr, Via, CSeq, Subject) and the request/response builders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildAck, buildRequest, buildResponse, reasonPhrase } from './build.ts';
import { SipParseError } from './errors.ts';
import { hikInviteOk, hikRegister, platformInvite } from './fixtures.ts';
import { parseSipMessage } from './message.ts';
import type { SipRequest, SipResponse } from './message.ts';
import {
  formatNameAddr, formatSubject, formatUri, formatVia, newBranch, newCallId, newTag, parseCSeq, parseNameAddr,
  parseParams, parseSubject, parseUri, parseVia, tagOf,
} from './syntax.ts';

const bad = (fn: () => unknown) => assert.throws(fn, SipParseError);

test('SIP URIs parse and format', () => {
  const uri = parseUri('sip:34020000001320000001@192.168.1.64:5060;transport=udp;lr');
  assert.equal(uri.scheme, 'sip');
  assert.equal(uri.user, '34020000001320000001');
  assert.equal(uri.host, '192.168.1.64');
  assert.equal(uri.port, 5060);
  assert.deepEqual([...uri.params], [['transport', 'udp'], ['lr', null]]);
  assert.equal(formatUri(uri), 'sip:34020000001320000001@192.168.1.64:5060;transport=udp;lr');
  assert.equal(parseUri('sip:3402000000').host, '3402000000');
  assert.equal(parseUri('SIPS:[2001:db8::1]:5061').host, '[2001:db8::1]');
  assert.equal(parseUri('sip:u:pw@h?subject=x').password, 'pw');
  for (const s of ['http://x', 'sip:', 'sip:u@', 'sip:h:0', 'sip:h:70000', 'sip:h:5x', 'sip:a b@h', 'sip:-h']) bad(() => parseUri(s));
});

test('name-addr with and without display name and <>', () => {
  const a = parseNameAddr('"Camera \\"1\\"" <sip:34020000001320000001@3402000000>;tag=2043466181');
  assert.equal(a.displayName, 'Camera "1"');
  assert.equal(a.params.get('tag'), '2043466181');
  assert.equal(formatNameAddr(a), '"Camera \\"1\\"" <sip:34020000001320000001@3402000000>;tag=2043466181');
  const b = parseNameAddr('Cam <sip:x@y;transport=tcp>;expires=60');
  assert.equal(b.displayName, 'Cam');
  assert.equal(b.uri.params.get('transport'), 'tcp');
  assert.equal(b.params.get('expires'), '60');
  const c = parseNameAddr('sip:x@y;tag=5');
  assert.equal(c.uri.params.size, 0, 'addr-spec params belong to the header');
  assert.equal(c.params.get('tag'), '5');
  assert.equal(tagOf('<sip:x@y>'), undefined);
  for (const s of ['"open <sip:x@y>', '"n" sip:x@y', '<sip:x@y', '*', '<sip:x@y>;=1', '<sip:x@y>;a="b']) bad(() => parseNameAddr(s));
});

test('Via with rport, received and odd spacing', () => {
  const v = parseVia('SIP / 2.0 / udp 192.168.1.64:5060 ;rport;branch=z9hG4bK1371463273;received=10.1.1.1');
  assert.equal(v.transport, 'UDP');
  assert.equal(v.host, '192.168.1.64');
  assert.equal(v.port, 5060);
  assert.equal(v.params.get('rport'), null);
  assert.equal(v.params.get('branch'), 'z9hG4bK1371463273');
  assert.equal(formatVia(v), 'SIP/2.0/UDP 192.168.1.64:5060;rport;branch=z9hG4bK1371463273;received=10.1.1.1');
  for (const s of ['SIP/2.0/UDP', 'SIP/1.0/UDP h', 'SIP/2.0/UDP h:99999', 'SIP/2.0/UDP h;branch="x']) bad(() => parseVia(s));
});

test('CSeq, params, Subject', () => {
  assert.deepEqual(parseCSeq('20  MESSAGE'), { seq: 20, method: 'MESSAGE' });
  for (const s of ['x MESSAGE', '1', '4294967296 INVITE', '1 IN VITE']) bad(() => parseCSeq(s));
  assert.deepEqual([...parseParams(';a=1;B="x;y";c')], [['a', '1'], ['b', 'x;y'], ['c', null]]);
  const subject = parseSubject('34020000001320000001:0200000001,34020000002000000001:0');
  assert.deepEqual(subject, { senderId: '34020000001320000001', senderStream: '0200000001', receiverId: '34020000002000000001', receiverStream: '0' });
  assert.equal(formatSubject(subject), '34020000001320000001:0200000001,34020000002000000001:0');
  bad(() => parseSubject('only-one:1'));
});

test('fresh identifiers', () => {
  assert.match(newBranch(), /^z9hG4bK[0-9a-f]{20}$/);
  assert.notEqual(newBranch(), newBranch());
  assert.match(newTag(), /^[0-9a-f]{12}$/);
  assert.match(newCallId('192.168.1.10'), /^[0-9a-f]{24}@192\.168\.1\.10$/);
});

test('buildResponse echoes the dialog headers, tags To, stamps received/rport', () => {
  const req = parseSipMessage(hikRegister) as SipRequest;
  const res = buildResponse(req, 200, undefined, {
    source: { address: '203.0.113.7', port: 40123 },
    headers: { Expires: 3600, Date: '2024-05-01T12:00:00.000' },
    toTag: 'tt1',
  });
  assert.equal(res.reason, 'OK');
  assert.equal(res.headers.get('Via'), 'SIP/2.0/UDP 192.168.1.64:5060;rport=40123;branch=z9hG4bK1371463273;received=203.0.113.7');
  assert.equal(res.headers.get('To'), '<sip:34020000001320000001@3402000000>;tag=tt1');
  for (const h of ['From', 'Call-ID', 'CSeq']) assert.equal(res.headers.get(h), req.headers.get(h));
  assert.equal(res.headers.get('Expires'), '3600');
  const trying = buildResponse(req, 100);
  assert.equal(trying.headers.get('To'), req.headers.get('To'), '100 Trying gets no tag');
  const unauthorized = buildResponse(req, 401, undefined, { headers: { 'WWW-Authenticate': 'Digest realm="3402000000"' } });
  assert.equal(unauthorized.reason, 'Unauthorized');
  assert.match(tagOf(unauthorized.headers.get('To')) ?? '', /^[0-9a-f]+$/);
  // Without rport, received is added only when the address differs from the Via host.
  const plain = withVia(req, 'SIP/2.0/UDP 192.168.1.64:5060;branch=z9hG4bK1');
  assert.equal(buildResponse(plain, 200, 'OK', { source: { address: '192.168.1.64', port: 5060 } }).headers.get('Via'), 'SIP/2.0/UDP 192.168.1.64:5060;branch=z9hG4bK1');
  assert.equal(buildResponse(plain, 200, 'OK', { source: { address: '10.9.9.9', port: 5060 } }).headers.get('Via'), 'SIP/2.0/UDP 192.168.1.64:5060;branch=z9hG4bK1;received=10.9.9.9');
  assert.equal(reasonPhrase(299), 'OK');
  assert.equal(reasonPhrase(999), 'Unknown');
});

function withVia(req: SipRequest, via: string): SipRequest {
  const headers = req.headers.clone().set('Via', via);
  return { ...req, headers };
}

test('buildRequest writes a MANSCDP MESSAGE a device accepts', () => {
  const req = buildRequest({
    method: 'MESSAGE',
    uri: parseUri('sip:34020000001320000001@192.168.1.64:5060'),
    from: { uri: parseUri('sip:34020000002000000001@3402000000'), params: new Map([['tag', 'p1']]) },
    to: '<sip:34020000001320000001@3402000000>',
    callId: 'q1@192.168.1.10',
    cseq: 7,
    via: { transport: 'udp', host: '192.168.1.10', port: 5060, branch: 'z9hG4bKq1' },
    headers: [['User-Agent', 'city-gateway']],
    contentType: 'Application/MANSCDP+xml',
    body: '<?xml version="1.0"?><Query><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>34020000001320000001</DeviceID></Query>',
  });
  assert.deepEqual([...req.headers].map(([n]) => n), ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'User-Agent', 'Content-Type']);
  assert.equal(req.headers.get('Via'), 'SIP/2.0/UDP 192.168.1.10:5060;rport;branch=z9hG4bKq1');
  assert.equal(req.headers.get('From'), '<sip:34020000002000000001@3402000000>;tag=p1');
  assert.equal(req.headers.get('CSeq'), '7 MESSAGE');
  const again = buildRequest({ method: 'OPTIONS', uri: 'sip:x@y', from: '<sip:a@b>;tag=1', to: '<sip:x@y>', callId: 'c', cseq: 1, via: { transport: 'TCP', host: 'h', rport: false } });
  assert.match(again.headers.get('Via') ?? '', /^SIP\/2.0\/TCP h;branch=z9hG4bK[0-9a-f]{20}$/);
});

test('buildAck: same branch for a failure, new transaction to the Contact for 2xx', () => {
  const invite = parseSipMessage(platformInvite) as SipRequest;
  const ok = parseSipMessage(hikInviteOk) as SipResponse;
  const ack = buildAck(invite, ok);
  assert.equal(ack.uri, 'sip:34020000001320000001@192.168.1.64:5060');
  assert.equal(ack.headers.get('CSeq'), '20 ACK');
  assert.equal(ack.headers.get('To'), ok.headers.get('To'));
  assert.notEqual(parseVia(ack.headers.get('Via') ?? '').params.get('branch'), 'z9hG4bK7d3b2f19c2');
  const busy: SipResponse = { ...ok, status: 486, reason: 'Busy Here' };
  const ack2 = buildAck(invite, busy);
  assert.equal(ack2.uri, invite.uri);
  assert.equal(ack2.headers.get('Via'), invite.headers.get('Via'));
});
