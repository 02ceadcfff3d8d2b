// Digest: the RFC 2617 and RFC 7616 MD5 vectors, our client against our server,
// and the server's refusals (wrong password, replay, stale, malformed).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { DigestServer, digestAuthorization, digestResponse, parseDigestParams } from './digest.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

test('RFC 2617 §3.5 example (qop=auth)', () => {
  const response = digestResponse({
    username: 'Mufasa', password: 'Circle Of Life', realm: 'testrealm@host.com', method: 'GET', uri: '/dir/index.html',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', qop: 'auth', nc: 1, cnonce: '0a4f113b',
  });
  assert.equal(response, '6629fae49393a05397450978507c4ef1');
});

test('RFC 7616 §3.9.1 MD5 example', () => {
  const response = digestResponse({
    username: 'Mufasa', password: 'Circle of Life', realm: 'http-auth@example.org', method: 'GET', uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', qop: 'auth', nc: 1, cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  });
  assert.equal(response, '8ca523f5e9506fed4657c9700eebdbec');
});

test('the GB28181 form without qop, computed independently', () => {
  const i = { username: '34020000001320000001', password: '12345678', realm: '3402000000', nonce: 'n0nce', uri: 'sip:34020000002000000001@3402000000', method: 'REGISTER' };
  const expected = md5(`${md5(`${i.username}:${i.realm}:${i.password}`)}:${i.nonce}:${md5(`${i.method}:${i.uri}`)}`);
  assert.equal(digestResponse(i), expected);
  const header = digestAuthorization(i);
  const p = parseDigestParams(header);
  assert.equal(p.get('response'), expected);
  assert.equal(p.get('algorithm'), 'MD5');
  assert.equal(p.has('qop'), false);
});

test('parseDigestParams handles quotes, commas and spacing', () => {
  const p = parseDigestParams('Digest realm="a, \\"b\\"",nonce="x" ,  algorithm=MD5, qop="auth,auth-int"');
  assert.equal(p.get('realm'), 'a, "b"');
  assert.equal(p.get('nonce'), 'x');
  assert.equal(p.get('qop'), 'auth,auth-int');
  for (const bad of ['Basic abc', 'Digest realm="x', 'Digest =x', 'Digest a=1, a=2', 'Digest a=b c']) assert.throws(() => parseDigestParams(bad));
});

const deviceAuth = (challenge: string, password: string, extra: { nc?: number; cnonce?: string } = {}) => {
  const c = parseDigestParams(challenge);
  return digestAuthorization({
    username: '34020000001320000001', password, realm: c.get('realm') ?? '', nonce: c.get('nonce') ?? '',
    uri: 'sip:34020000002000000001@3402000000', method: 'REGISTER', qop: c.get('qop'), ...extra,
  });
};

test('challenge → authorization → ok; the nonce is single-use without qop', () => {
  const server = new DigestServer({ realm: '3402000000' });
  const challenge = server.challenge();
  assert.match(challenge, /^Digest realm="3402000000", nonce="[^"]+", algorithm=MD5$/);
  const auth = deviceAuth(challenge, '12345678');
  assert.deepEqual(server.verify(auth, 'REGISTER', '12345678'), { result: 'ok', username: '34020000001320000001' });
  assert.equal(server.verify(auth, 'REGISTER', '12345678').result, 'replayed');
  assert.equal(server.verify(deviceAuth(server.challenge(), 'wrong'), 'REGISTER', '12345678').result, 'bad-password');
  assert.equal(server.verify(deviceAuth(server.challenge(), '12345678'), 'REGISTER', undefined).result, 'bad-password');
  assert.equal(server.verify(deviceAuth(server.challenge(), '12345678'), 'MESSAGE', '12345678').result, 'bad-password', 'method is signed');
});

test('with qop=auth the nc must grow per nonce', () => {
  const server = new DigestServer({ realm: '3402000000', qop: true, opaque: 'op' });
  const challenge = server.challenge();
  assert.match(challenge, /qop="auth", opaque="op"/);
  const at = (nc: number) => server.verify(deviceAuth(challenge, 'pw', { nc, cnonce: 'c1' }), 'REGISTER', 'pw').result;
  assert.equal(at(1), 'ok');
  assert.equal(at(2), 'ok');
  assert.equal(at(2), 'replayed');
  assert.equal(at(1), 'replayed');
  assert.equal(at(5), 'ok');
});

test('expired, foreign and forged nonces are stale, but only with the right password', () => {
  let now = 1_700_000_000_000;
  const server = new DigestServer({ realm: '3402000000', nonceTtlMs: 60_000, now: () => now });
  const old = server.challenge();
  now += 61_000;
  assert.equal(server.verify(deviceAuth(old, 'pw'), 'REGISTER', 'pw').result, 'stale');
  assert.equal(server.verify(deviceAuth(old, 'nope'), 'REGISTER', 'pw').result, 'bad-password');
  const other = new DigestServer({ realm: '3402000000', now: () => now });
  assert.equal(server.verify(deviceAuth(other.challenge(), 'pw'), 'REGISTER', 'pw').result, 'stale', 'signed by another secret');
  const forged = deviceAuth(`Digest realm="3402000000", nonce="${now.toString(36)}.AAAA.BBBBBBBBBBBBBBBBBBBBBB"`, 'pw');
  assert.equal(server.verify(forged, 'REGISTER', 'pw').result, 'stale');
  assert.match(server.challenge(true), /stale=TRUE$/);
});

test('malformed authorizations', () => {
  const server = new DigestServer({ realm: '3402000000' });
  const good = deviceAuth(server.challenge(), 'pw');
  const cases = [
    'Basic dXNlcjpwdw==',
    'Digest username="u"',
    good.replace('realm="3402000000"', 'realm="9999999999"'),
    good.replace('algorithm=MD5', 'algorithm=SHA-256'),
    good.replace(/response="[0-9a-f]+"/, 'response="xyz"'),
    `${good}, qop=auth`,
  ];
  for (const c of cases) assert.equal(server.verify(c, 'REGISTER', 'pw').result, 'malformed', c);
});

test('replay memory is bounded; evicted nonces become stale, never reusable', () => {
  const server = new DigestServer({ realm: '3402000000', maxTrackedNonces: 50 });
  const auths = Array.from({ length: 120 }, () => deviceAuth(server.challenge(), 'pw'));
  for (const a of auths) assert.equal(server.verify(a, 'REGISTER', 'pw').result, 'ok');
  assert.ok(server.tracked <= 50);
  for (const a of auths) assert.notEqual(server.verify(a, 'REGISTER', 'pw').result, 'ok');
});
