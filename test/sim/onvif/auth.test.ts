// The simulator's authentication: WS-UsernameToken against its own clock
// (skew, ±5 s window, nonce replay), HTTP digest mode, either-mode, snapshots.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { childElement, childText } from './xml.ts';
import { digestAuthorization, parseDigestParams } from '../../../gateway/gb28181/sip/index.ts';
import { xsdDateTime } from './soap.ts';
import { callSoap } from './sim-caller.ts';
import { answer, CREDS, faultCodes, oneCamera } from './test-helpers.ts';

const SKEW = 2 * 3600_000 + 1234;

describe('ONVIF sim: WS-UsernameToken', async () => {
  const { host, dev } = await oneCamera({ clockSkewMs: SKEW });
  after(() => host.close());

  it('answers GetSystemDateAndTime without credentials, on its own clock', async () => {
    const r = await callSoap(dev.xaddr, '<tds:GetSystemDateAndTime/>');
    assert.equal(r.status, 200);
    const utc = childElement(childElement(answer(r, 'GetSystemDateAndTimeResponse'), 'SystemDateAndTime') ?? {}, 'UTCDateTime') ?? {};
    const t = childElement(utc, 'Time') ?? {};
    const d = childElement(utc, 'Date') ?? {};
    const n = (el: typeof t, k: string) => Number(childText(el, k));
    const camera = Date.UTC(n(d, 'Year'), n(d, 'Month') - 1, n(d, 'Day'), n(t, 'Hour'), n(t, 'Minute'), n(t, 'Second'));
    assert.ok(Math.abs(camera - (Date.now() + SKEW)) < 5000, `camera clock off by ${camera - Date.now()} ms`);
  });

  it('accepts a token whose Created follows the camera clock', async () => {
    const r = await callSoap(dev.xaddr, '<tds:GetDeviceInformation/>', { ...CREDS, skewMs: SKEW });
    assert.equal(r.status, 200);
    assert.equal(childText(answer(r, 'GetDeviceInformationResponse'), 'Manufacturer'), 'CityGW-Sim');
    assert.equal(dev.requests('GetDeviceInformation').at(-1)?.auth, 'ws-security');
  });

  // Margins hold however long a request takes to arrive on a loaded machine (up to 7 s).
  it('refuses a token made on our clock (stale), 6.5 s behind or 12 s ahead of the camera; accepts 3 s ahead', async () => {
    const stale = await callSoap(dev.xaddr, '<tds:GetDeviceInformation/>', CREDS);
    assert.equal(stale.status, 400);
    assert.deepEqual(faultCodes(stale), ['SOAP-ENV:Sender', 'ter:NotAuthorized']);
    assert.match(dev.received.at(-1)?.refusal ?? '', /stale/);
    assert.equal((await callSoap(dev.xaddr, '<tds:GetDeviceInformation/>', { ...CREDS, skewMs: SKEW - 6500 })).status, 400);
    assert.equal((await callSoap(dev.xaddr, '<tds:GetDeviceInformation/>', { ...CREDS, skewMs: SKEW + 12_000 })).status, 400);
    assert.equal((await callSoap(dev.xaddr, '<tds:GetDeviceInformation/>', { ...CREDS, skewMs: SKEW + 3000 })).status, 200);
  });

  it('refuses a replayed nonce and a wrong password, without naming the password', async () => {
    const nonce = randomBytes(16);
    const created = xsdDateTime(Date.now() + SKEW);
    assert.equal((await callSoap(dev.xaddr, '<tds:GetDeviceInformation/>', { ...CREDS, nonce, created })).status, 200);
    const replay = await callSoap(dev.xaddr, '<tds:GetDeviceInformation/>', { ...CREDS, nonce, created });
    assert.equal(replay.status, 400);
    assert.match(dev.received.at(-1)?.refusal ?? '', /replayed/);
    const wrong = await callSoap(dev.xaddr, '<tds:GetDeviceInformation/>', { username: CREDS.username, password: 'nope', skewMs: SKEW });
    assert.deepEqual(faultCodes(wrong).slice(1), ['ter:NotAuthorized']);
    assert.match(dev.received.at(-1)?.refusal ?? '', /bad-password/);
    assert.ok(!wrong.text.includes(CREDS.password) && !JSON.stringify(dev.received).includes(CREDS.password));
  });

  it('refuses a request without a token (nothing but GetSystemDateAndTime is open)', async () => {
    const r = await callSoap(dev.url('/onvif/media_service'), '<trt:GetProfiles/>');
    assert.equal(r.status, 400);
    assert.match(dev.received.at(-1)?.refusal ?? '', /no UsernameToken/);
  });

  it('follows a clock change at run time', async () => {
    dev.clockSkewMs = -SKEW;
    try {
      assert.equal((await callSoap(dev.xaddr, '<tds:GetDeviceInformation/>', { ...CREDS, skewMs: SKEW })).status, 400);
      assert.equal((await callSoap(dev.xaddr, '<tds:GetDeviceInformation/>', { ...CREDS, skewMs: -SKEW })).status, 200);
    } finally {
      dev.clockSkewMs = SKEW;
    }
  });
});

describe('ONVIF sim: clock quirks', async () => {
  const cams = await Promise.all([oneCamera({ openOperations: [] }), oneCamera({ clockFormat: 'local-only', clockSkewMs: SKEW })]);
  after(() => Promise.all(cams.map((c) => c.host.close())));

  it('openOperations: [] wants credentials even for GetSystemDateAndTime', async () => {
    const { dev } = cams[0]!;
    assert.deepEqual(faultCodes(await callSoap(dev.xaddr, '<tds:GetSystemDateAndTime/>')).slice(1), ['ter:NotAuthorized']);
    assert.equal((await callSoap(dev.xaddr, '<tds:GetSystemDateAndTime/>', CREDS)).status, 200);
  });

  it("clockFormat 'local-only' gives local time and zone, no UTCDateTime", async () => {
    const sdt = childElement(answer(await callSoap(cams[1]!.dev.xaddr, '<tds:GetSystemDateAndTime/>'), 'GetSystemDateAndTimeResponse'), 'SystemDateAndTime') ?? {};
    assert.equal(childElement(sdt, 'UTCDateTime'), undefined);
    assert.equal(childText(childElement(sdt, 'TimeZone') ?? {}, 'TZ'), 'CST-8');
    const local = childElement(sdt, 'LocalDateTime') ?? {};
    const n = (part: string, k: string) => Number(childText(childElement(local, part) ?? {}, k));
    const shown = Date.UTC(n('Date', 'Year'), n('Date', 'Month') - 1, n('Date', 'Day'), n('Time', 'Hour'), n('Time', 'Minute'), n('Time', 'Second'));
    assert.ok(Math.abs(shown - (Date.now() + SKEW + 8 * 3600_000)) < 5000, 'local time is the camera clock in UTC+8');
  });
});

describe('ONVIF sim: NotAuthorized as HTTP 401, HTTP digest, either', async () => {
  const cams = await Promise.all([
    oneCamera({ authFaultStatus: 401 }), oneCamera({ authMode: 'http-digest' }), oneCamera({ authMode: 'both', authFaultStatus: 401 }),
  ]);
  after(() => Promise.all(cams.map((c) => c.host.close())));
  const [wsse401, digestOnly, either] = cams.map((c) => c.dev) as [typeof cams[0]['dev'], typeof cams[0]['dev'], typeof cams[0]['dev']];

  it('answers a bad token 401 with the fault and no challenge when it only takes WS-Security', async () => {
    const r = await callSoap(wsse401.xaddr, '<tds:GetDeviceInformation/>', { ...CREDS, skewMs: 60_000 });
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), null);
    assert.deepEqual(faultCodes(r).slice(1), ['ter:NotAuthorized']);
  });

  it('digest-only: a token alone gets a 401 challenge (qop=auth); the digest answer passes once, its replay is refused', async () => {
    const r = await callSoap(digestOnly.xaddr, '<tds:GetDeviceInformation/>', CREDS);
    assert.equal(r.status, 401);
    const challenge = r.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /^Digest .*qop="auth"/);
    const ok = await callSoap(digestOnly.xaddr, '<tds:GetDeviceInformation/>', { ...CREDS, wsse: false, digest: true });
    assert.equal(ok.status, 200);
    assert.equal(digestOnly.requests('GetDeviceInformation').at(-1)?.auth, 'http-digest');
    const p = parseDigestParams(challenge);
    const authorization = digestAuthorization({ ...CREDS, realm: p.get('realm') ?? '', nonce: p.get('nonce') ?? '', uri: '/onvif/device_service', method: 'POST', qop: 'auth', nc: 1, cnonce: 'abc' });
    const post = () => fetch(digestOnly.xaddr, { method: 'POST', headers: { Authorization: authorization, 'Content-Type': 'application/soap+xml' }, body: '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetScopes/></s:Body></s:Envelope>' });
    assert.equal((await post()).status, 200);
    assert.equal((await post()).status, 401);
  });

  it('either: no credentials → 401 challenge; a token passes; a digest passes; a bad token → 401 fault with a challenge', async () => {
    const none = await callSoap(either.xaddr, '<tds:GetDeviceInformation/>');
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Digest /);
    assert.equal((await callSoap(either.xaddr, '<tds:GetDeviceInformation/>', CREDS)).status, 200);
    assert.equal((await callSoap(either.xaddr, '<tds:GetDeviceInformation/>', { ...CREDS, wsse: false, digest: true })).status, 200);
    const bad = await callSoap(either.xaddr, '<tds:GetDeviceInformation/>', { username: 'admin', password: 'x' });
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /^Digest /);
    assert.deepEqual(either.received.map((r) => r.auth), ['refused', 'ws-security', 'refused', 'http-digest', 'refused']);
  });

  it('serves the snapshot JPEG behind HTTP digest with the same credentials', async () => {
    const { dev } = cams[0]!;
    const uriAnswer = await callSoap(dev.url('/onvif/media_service'), '<trt:GetSnapshotUri><trt:ProfileToken>Profile_1</trt:ProfileToken></trt:GetSnapshotUri>', CREDS);
    const uri = childText(childElement(answer(uriAnswer, 'GetSnapshotUriResponse'), 'MediaUri') ?? {}, 'Uri') ?? '';
    assert.match(uri, /^http:\/\/127\.0\.0\.1:\d+\/onvif\/snapshot\/Profile_1\.jpg$/);
    const first = await fetch(uri);
    assert.equal(first.status, 401);
    const p = parseDigestParams(first.headers.get('www-authenticate') ?? '');
    const res = await fetch(uri, { headers: { Authorization: digestAuthorization({ ...CREDS, realm: p.get('realm') ?? '', nonce: p.get('nonce') ?? '', uri: new URL(uri).pathname, method: 'GET', qop: p.get('qop') }) } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    const jpeg = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  });
});
