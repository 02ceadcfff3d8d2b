import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createdAt, passwordDigest, securityHeader } from './wsse.ts';

describe('WS-Security UsernameToken', () => {
  it('computes the ONVIF Application Programmer\'s Guide digest vector', () => {
    const nonce = Buffer.from('LKqI6G/AikKCQrN0zqZFlg==', 'base64');
    assert.equal(passwordDigest(nonce, '2010-09-16T07:50:45Z', 'userpassword'), 'tuOSpGlFlIXsozq4HFNeeGeFLEI=');
    assert.notEqual(passwordDigest(nonce, '2010-09-16T07:50:46Z', 'userpassword'), 'tuOSpGlFlIXsozq4HFNeeGeFLEI=');
  });

  it('shifts Created by the camera\'s skew, UTC without milliseconds', () => {
    const now = Date.UTC(2026, 11, 7, 10, 0, 0, 400);
    assert.equal(createdAt(now, 0), '2026-12-07T10:00:00Z');
    assert.equal(createdAt(now, -3_600_000), '2026-12-07T09:00:00Z');
    assert.equal(createdAt(now, 90_000), '2026-12-07T10:01:30Z');
  });

  it('puts username, digest, base64 nonce and Created in the header, never the password', () => {
    const nonce = Buffer.from('LKqI6G/AikKCQrN0zqZFlg==', 'base64');
    const header = securityHeader({ username: 'ad<min', password: 'userpassword', skewMs: 0, nowMs: Date.UTC(2010, 8, 16, 7, 50, 45), nonce });
    assert.match(header, /<wsse:Username>ad&lt;min<\/wsse:Username>/);
    assert.match(header, /#PasswordDigest">tuOSpGlFlIXsozq4HFNeeGeFLEI=<\/wsse:Password>/);
    assert.match(header, /#Base64Binary">LKqI6G\/AikKCQrN0zqZFlg==<\/wsse:Nonce>/);
    assert.match(header, /<wsu:Created>2010-09-16T07:50:45Z<\/wsu:Created>/);
    assert.doesNotMatch(header, /userpassword/);
  });

  it('uses a fresh 16-byte nonce each time', () => {
    const nonces = new Set(Array.from({ length: 20 }, () => /Base64Binary">([^<]+)</.exec(securityHeader({ username: 'u', password: 'p', skewMs: 0 }))?.[1]));
    assert.equal(nonces.size, 20);
    for (const n of nonces) assert.equal(Buffer.from(n ?? '', 'base64').length, 16);
  });
});
