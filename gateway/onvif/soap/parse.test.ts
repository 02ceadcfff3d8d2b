import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OnvifError } from '../types.ts';
import { fault11, faultAxisAuth, faultNested, faultNotAuthorized, soap12 } from '../fixtures.ts';
import { faultError, MAX_SOAP_CHARS, readFault, soapBody } from './parse.ts';

const errorOf = (text: string): OnvifError => {
  const fault = readFault(soapBody(text, 'cam:80 Op'));
  assert.ok(fault, 'a fault');
  return faultError(fault, 'cam:80 Op');
};
const malformed = (err: unknown) => err instanceof OnvifError && err.kind === 'malformed';

describe('SOAP faults', () => {
  it('reads ONVIF\'s nested subcodes, the innermost reported', () => {
    const err = errorOf(faultNested);
    assert.equal(err.kind, 'fault');
    assert.deepEqual(err.fault, { code: 's:Sender', subcode: 'ter:NoProfile', reason: 'The requested profile token ProfileToken does not exist.' });
    assert.match(err.message, /^cam:80 Op: SOAP fault ter:NoProfile: The requested profile token/);
  });

  it('reads Hikvision/Dahua NotAuthorized and Axis FailedAuthentication as auth', () => {
    const hik = errorOf(faultNotAuthorized);
    assert.equal(hik.kind, 'auth');
    assert.equal(hik.fault?.subcode, 'ter:NotAuthorized');
    assert.equal(errorOf(faultAxisAuth).kind, 'auth');
  });

  it('reads a SOAP 1.1 fault', () => {
    const err = errorOf(fault11);
    assert.equal(err.kind, 'fault');
    assert.deepEqual(err.fault, { code: 'SOAP-ENV:Client', reason: 'Method not implemented' });
  });

  it('cuts a long reason short and finds no fault in an ordinary answer', () => {
    const long = soap12(`<s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text>${'x'.repeat(5000)}</s:Text></s:Reason></s:Fault>`);
    assert.ok((errorOf(long).fault?.reason?.length ?? 0) <= 201);
    assert.equal(readFault(soapBody(soap12('<tds:GetDeviceInformationResponse/>'), 'x')), undefined);
  });
});

describe('hostile and broken answers', () => {
  it('refuses an entity bomb before expanding anything', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>${soap12('<x>&lol9;</x>')}`;
    assert.throws(() => soapBody(bomb, 'cam:80 GetProfiles'), (err: unknown) => malformed(err) && /cam:80 GetProfiles: markup declarations/.test((err as Error).message));
  });

  it('refuses a body over the bound, deep nesting, and what is not an envelope', () => {
    assert.throws(() => soapBody(soap12(`<x>${'a'.repeat(MAX_SOAP_CHARS)}</x>`), 'x'), malformed);
    assert.throws(() => soapBody(soap12(`${'<a>'.repeat(40)}${'</a>'.repeat(40)}`), 'x'), malformed);
    assert.throws(() => soapBody('<html><body>Login</body></html>', 'x'), malformed);
    assert.throws(() => soapBody('<s:Envelope><s:Body>', 'x'), malformed);
  });

  it('parses a 4-channel NVR\'s 60 KB GetProfiles', () => {
    const profile = (i: number) => `<trt:Profiles token="P${i}"><tt:Name>ch${i}</tt:Name>${'<tt:Extension><tt:Pad>padding padding padding</tt:Pad></tt:Extension>'.repeat(30)}</trt:Profiles>`;
    const text = soap12(`<trt:GetProfilesResponse>${Array.from({ length: 40 }, (_, i) => profile(i)).join('')}</trt:GetProfilesResponse>`);
    assert.ok(text.length > 60_000);
    const body = soapBody(text, 'x');
    assert.equal((body.GetProfilesResponse as { Profiles: unknown[] }).Profiles.length, 40);
  });
});
