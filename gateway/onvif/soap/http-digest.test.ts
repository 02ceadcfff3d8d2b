import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { basicAuthorization, digestAuthorization, parseChallenge } from './http-digest.ts';

describe('HTTP digest', () => {
  it('computes RFC 2617\'s example response', () => {
    const ch = parseChallenge('Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"');
    assert.ok(ch?.scheme === 'digest');
    const header = digestAuthorization(ch.digest, { username: 'Mufasa', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', nc: 1, cnonce: '0a4f113b' });
    assert.match(header, /response="6629fae49393a05397450978507c4ef1"/);
    assert.match(header, /qop=auth, nc=00000001, cnonce="0a4f113b"/);
    assert.match(header, /opaque="5ccc069c403ebaf9f0171e9517f40e41"/);
    assert.doesNotMatch(header, /Circle Of Life/);
  });

  it('answers RFC 7616 SHA-256 and challenges without qop', () => {
    const sha = parseChallenge('Digest realm="http-auth@example.org", qop="auth", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"');
    assert.ok(sha?.scheme === 'digest');
    const header = digestAuthorization(sha.digest, { username: 'Mufasa', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html', nc: 1, cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' });
    assert.match(header, /response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"/);
    const old = parseChallenge('Digest realm="cam", nonce="abc"');
    assert.ok(old?.scheme === 'digest');
    assert.doesNotMatch(digestAuthorization(old.digest, { username: 'u', password: 'p', method: 'POST', uri: '/onvif', nc: 1 }), /qop=/);
  });

  it('prefers Digest over Basic, in one header or several, and falls back to Basic', () => {
    assert.equal(parseChallenge(['Basic realm="x"', 'Digest realm="y", nonce="n", qop="auth"'])?.scheme, 'digest');
    assert.equal(parseChallenge('Basic realm="x", Digest realm="y", nonce="n"')?.scheme, 'digest');
    assert.equal(parseChallenge('Basic realm="IP Camera"')?.scheme, 'basic');
    assert.equal(parseChallenge('Digest realm="y", nonce="n", algorithm=MD5-sess-unknown'), undefined);
    assert.equal(parseChallenge(undefined), undefined);
    assert.equal(basicAuthorization('admin', 'pw'), `Basic ${Buffer.from('admin:pw').toString('base64')}`);
  });
});
