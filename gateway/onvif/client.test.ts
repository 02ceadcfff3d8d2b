import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { onvifClient } from './client.ts';
import {
  capabilities, deviceInformation, faultNotAuthorized, fixtureCamera, hikvisionProfiles, pulledMessages, pullPointCreated,
  snapshotUri, soap12, streamUri, systemDateAndTime, twoProfiles,
} from './fixtures.ts';
import type { FixtureAnswer, FixtureRequest } from './fixtures.ts';
import { passwordDigest } from './soap/wsse.ts';
import { OnvifError } from './types.ts';

const PASSWORD = 'S3cret!pw';
const kind = (k: string) => (err: unknown) => err instanceof OnvifError && err.kind === k && !err.message.includes(PASSWORD);
const closers: Array<() => Promise<void>> = [];
after(() => Promise.all(closers.map((c) => c())));

/** What a camera checks: the UsernameToken digest, and Created within 5 s of its own clock. */
function tokenOk(body: string, cameraNow: number): boolean {
  const nonce = /<wsse:Nonce[^>]*>([^<]+)</.exec(body)?.[1];
  const created = /<wsu:Created>([^<]+)</.exec(body)?.[1];
  const digest = /<wsse:Password[^>]*>([^<]+)</.exec(body)?.[1];
  if (!nonce || !created || !digest) return false;
  if (/<wsse:Username>admin</.exec(body) === null) return false;
  return passwordDigest(Buffer.from(nonce, 'base64'), created, PASSWORD) === digest && Math.abs(Date.parse(created) - cameraNow) < 5000;
}

const notAuthorized: FixtureAnswer = { status: 400, body: faultNotAuthorized };

/** A camera whose clock runs `skewMs` off ours, answering the device and media calls with the given profiles. */
async function camera(opts: { skewMs: number; profiles: string; extra?: (r: FixtureRequest, base: string) => FixtureAnswer | undefined }) {
  let base = '';
  const cam = await fixtureCamera((r) => {
    const now = Date.now() + opts.skewMs;
    if (r.action === 'GetSystemDateAndTime') return { body: systemDateAndTime(new Date(now)) };
    if (!tokenOk(r.body, now)) return notAuthorized;
    const extra = opts.extra?.(r, base);
    if (extra) return extra;
    switch (r.action) {
      case 'GetDeviceInformation': return { body: deviceInformation };
      case 'GetCapabilities': return { body: capabilities(base) };
      case 'GetServices': return { status: 400, body: soap12('<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>ter:ActionNotSupported</s:Value></s:Subcode></s:Code></s:Fault>') };
      case 'GetProfiles': return { body: opts.profiles };
      case 'GetStreamUri': return { body: streamUri(`rtsp://192.168.1.64:554/Streaming/Channels/${/ProfileToken>([^<]+)</.exec(r.body)?.[1]}`) };
      case 'GetSnapshotUri': return { body: snapshotUri(`${base}/snap/${/ProfileToken>([^<]+)</.exec(r.body)?.[1]}.jpg`) };
      default: return { status: 400, body: soap12('<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code></s:Fault>') };
    }
  });
  base = cam.base;
  closers.push(cam.close);
  return cam;
}

const client = (base: string, password = PASSWORD, timeoutMs = 5000) => onvifClient({ xaddr: `${base}/onvif/device_service`, username: 'admin', password }, { timeoutMs });

describe('facts()', () => {
  it('measures the clock skew and signs every later call with it', async () => {
    const cam = await camera({ skewMs: -3_600_000, profiles: twoProfiles });
    const facts = await client(cam.base).facts();
    assert.ok(Math.abs(facts.clockSkewMs + 3_600_000) < 2000, `skew ${facts.clockSkewMs}`);
    assert.deepEqual({ ...facts, clockSkewMs: 0, profiles: [] }, {
      manufacturer: 'HIKVISION', model: 'DS-2DE4A425IW-DE', firmware: 'V5.6.15 build 200415', serial: 'DS-2DE4A425IW-DE20200512AAWRE12345678', hardwareId: '88',
      clockSkewMs: 0,
      clockSource: 'utc',
      // The camera names its inside address (NAT); we keep reaching it where we found it.
      services: { media: `${cam.base}/onvif/Media`, ptz: `${cam.base}/onvif/PTZ`, events: `${cam.base}/onvif/Events` },
      capabilities: { ptz: false, events: true },
      profiles: [],
    });
    assert.deepEqual(facts.profiles.map((p) => [p.token, p.encoding, p.width, p.height, p.fps, p.bitrateKbps, p.ptz]), [
      ['Profile_1', 'H264', 1920, 1080, 25, 4096, false],
      ['Profile_2', 'H264', 640, 360, 15, 512, false],
    ]);
    assert.equal(facts.profiles[0]?.streamUri, 'rtsp://192.168.1.64:554/Streaming/Channels/Profile_1');
    assert.equal(facts.profiles[1]?.snapshotUri, `${cam.base}/snap/Profile_2.jpg`);
    const unsigned = cam.requests.filter((r) => !r.body.includes('<wsse:Security'));
    assert.deepEqual(unsigned.map((r) => r.action), ['GetSystemDateAndTime']);
    assert.ok(cam.requests.every((r) => /^application\/soap\+xml; charset=utf-8; action="http:\/\/www\.onvif\.org\//.test(String(r.headers['content-type']))));
  });

  it('orders a Hikvision answer main first (H.265 2560×1440), then the next largest, and sees PTZ', async () => {
    const cam = await camera({ skewMs: 0, profiles: hikvisionProfiles });
    const facts = await client(cam.base).facts();
    assert.deepEqual(facts.profiles.map((p) => `${p.token} ${p.name} ${p.encoding} ${p.width}x${p.height}`), [
      'Profile_1 mainStream H265 2560x1440',
      'Profile_3 thirdStream H264 1280x720',
      'Profile_2 subStream H264 704x576',
    ]);
    assert.ok(facts.profiles.every((p) => p.ptz));
    assert.deepEqual(facts.capabilities, { ptz: true, events: true });
  });

  it('says auth for a wrong password, naming host and operation only', async () => {
    const cam = await camera({ skewMs: 0, profiles: twoProfiles });
    const err = await client(cam.base, 'wrong-password').facts().then(() => undefined, (e: unknown) => e);
    assert.ok(kind('auth')(err), String(err));
    assert.match((err as Error).message, new RegExp(`^127\\.0\\.0\\.1:${cam.port} GetCapabilities`));
    assert.doesNotMatch((err as Error).message, /wrong-password/);
  });
});

describe('HTTP digest fallback', () => {
  const realm = 'IP Camera(C1234)';
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  /** A camera that wants HTTP digest (rotating nonces) and ignores WS-Security. */
  async function digestCamera(password: string) {
    let nonce = 0;
    const cam = await fixtureCamera((r): FixtureAnswer => {
      const auth = String(r.headers.authorization ?? '');
      const f = (k: string) => new RegExp(`${k}="?([^",]+)"?`).exec(auth)?.[1] ?? '';
      const ha1 = md5(`admin:${realm}:${password}`);
      const ok = auth.startsWith('Digest ') && f('response') === md5(`${ha1}:${f('nonce')}:${f('nc')}:${f('cnonce')}:auth:${md5(`${r.method}:${f('uri')}`)}`) && f('nonce') === `n${nonce}`;
      if (!ok) {
        nonce++;
        return { status: 401, headers: { 'WWW-Authenticate': `Digest realm="${realm}", qop="auth", nonce="n${nonce}", algorithm=MD5` }, body: 'Unauthorized' };
      }
      if (r.action === 'GetSystemDateAndTime') return { body: systemDateAndTime(new Date()) };
      if (r.method === 'GET') return { headers: { 'Content-Type': 'image/jpeg' }, body: Buffer.from([0xff, 0xd8, 0xff, 0xd9]) };
      return { body: soap12('<tptz:GetPresetsResponse><tptz:Preset token="1"><tt:Name>Gate</tt:Name></tptz:Preset><tptz:Preset token="2"><tt:Name>Car park</tt:Name></tptz:Preset></tptz:GetPresetsResponse>') };
    });
    closers.push(cam.close);
    return cam;
  }

  it('answers a 401 with digest once, then reuses the challenge', async () => {
    const cam = await digestCamera(PASSWORD);
    const { SoapSession } = await import('./soap/session.ts');
    const { presets } = await import('./ptz.ts');
    const session = new SoapSession({ username: 'admin', password: PASSWORD, timeoutMs: 5000 });
    assert.deepEqual(await presets(session, `${cam.base}/onvif/PTZ`, 'Profile_1'), [{ token: '1', name: 'Gate' }, { token: '2', name: 'Car park' }]);
    assert.deepEqual(cam.requests.map((r) => Boolean(r.headers.authorization)), [false, true]);
    await presets(session, `${cam.base}/onvif/PTZ`, 'Profile_1');
    assert.equal(cam.requests.length, 3, 'the known challenge is answered up front');
    assert.ok(cam.requests.every((r) => !JSON.stringify(r.headers).includes(PASSWORD)));
  });

  it('fetches a snapshot behind digest, and says auth after one retry with a wrong password', async () => {
    const cam = await digestCamera(PASSWORD);
    const { SoapSession } = await import('./soap/session.ts');
    const { fetchSnapshot } = await import('./media.ts');
    const jpeg = await fetchSnapshot(new SoapSession({ username: 'admin', password: PASSWORD, timeoutMs: 5000 }), `${cam.base}/snap/1.jpg`);
    assert.deepEqual([...jpeg], [0xff, 0xd8, 0xff, 0xd9]);
    const wrong = await digestCamera('other');
    await assert.rejects(fetchSnapshot(new SoapSession({ username: 'admin', password: PASSWORD, timeoutMs: 5000 }), `${wrong.base}/snap/1.jpg`), kind('auth'));
    assert.equal(wrong.requests.length, 2);
  });
});

describe('failures', () => {
  it('refuses a snapshot that is not an image, and a declared length over the bound before reading it', async () => {
    const { SoapSession } = await import('./soap/session.ts');
    const { fetchSnapshot, MAX_SNAPSHOT_BYTES } = await import('./media.ts');
    const cam = await fixtureCamera((r) =>
      r.url === '/login.html'
        ? { headers: { 'Content-Type': 'text/html' }, body: '<html>login</html>' }
        : { headers: { 'Content-Type': 'image/jpeg', 'Content-Length': String(MAX_SNAPSHOT_BYTES + 1) }, body: Buffer.alloc(16) },
    );
    closers.push(cam.close);
    const session = new SoapSession({ username: 'admin', password: PASSWORD, timeoutMs: 5000 });
    await assert.rejects(fetchSnapshot(session, `${cam.base}/login.html`), (err: unknown) => kind('malformed')(err) && /text\/html, not an image/.test((err as Error).message));
    await assert.rejects(fetchSnapshot(session, `${cam.base}/big.jpg`), (err: unknown) => kind('malformed')(err) && /over the 8388608 bound/.test((err as Error).message));
  });

  it('times out a camera that never answers', async () => {
    const cam = await fixtureCamera(() => undefined);
    closers.push(cam.close);
    await assert.rejects(client(cam.base, PASSWORD, 300).facts(), kind('timeout'));
  });

  it('says unreachable for a closed port', async () => {
    const cam = await fixtureCamera(() => ({ body: '' }));
    await cam.close();
    await assert.rejects(client(cam.base).facts(), kind('unreachable'));
  });

  it('stops reading a 2 MiB answer and refuses it; refuses an entity bomb', async () => {
    const huge = `${soap12('').slice(0, -20)}${'<x>padding</x>'.repeat(150_000)}`; // ~2 MiB, no Content-Length (chunked)
    const cam = await fixtureCamera((r) => (r.action === 'GetSystemDateAndTime' ? { body: Buffer.from(huge) } : undefined));
    closers.push(cam.close);
    const err = await client(cam.base).facts().then(() => undefined, (e: unknown) => e);
    assert.ok(kind('malformed')(err), String(err));
    assert.match((err as Error).message, /over the 1048576 bytes bound/);
    const bomb = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>${soap12('<x>&b;</x>')}`;
    const evil = await fixtureCamera(() => ({ body: bomb }));
    closers.push(evil.close);
    const { SoapSession } = await import('./soap/session.ts');
    const session = new SoapSession({ username: 'admin', password: PASSWORD, timeoutMs: 5000 });
    await assert.rejects(session.call({ url: `${evil.base}/onvif/device_service`, operation: 'GetProfiles', action: 'x', body: '' }), kind('malformed'));
  });

  it('says unsupported for PTZ on a camera that names no PTZ service', async () => {
    const cam = await camera({ skewMs: 0, profiles: twoProfiles, extra: (r) => (r.action === 'GetCapabilities' ? { body: soap12('<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Media><tt:XAddr>http://127.0.0.1/onvif/Media</tt:XAddr></tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>') } : undefined) });
    await assert.rejects(client(cam.base).continuousMove('Profile_1', { x: 1, y: 0, zoom: 0 }), kind('unsupported'));
  });
});

describe('PTZ and events', () => {
  it('sends ContinuousMove velocities clamped to [-1, 1], Stop, and reads SetPreset\'s token', async () => {
    const cam = await camera({
      skewMs: 5000,
      profiles: hikvisionProfiles,
      extra: (r) => {
        if (r.action === 'ContinuousMove') return { body: soap12('<tptz:ContinuousMoveResponse/>') };
        if (r.action === 'Stop') return { body: soap12('<tptz:StopResponse/>') };
        if (r.action === 'SetPreset') return { body: soap12('<tptz:SetPresetResponse><tptz:PresetToken>7</tptz:PresetToken></tptz:SetPresetResponse>') };
        return undefined;
      },
    });
    const c = client(cam.base);
    await c.continuousMove('Profile_1', { x: 2, y: -0.5, zoom: -3 }, 2);
    await c.stop('Profile_1');
    assert.equal(await c.setPreset('Profile_1', 'Gate & yard'), '7');
    const move = cam.requests.find((r) => r.action === 'ContinuousMove')?.body ?? '';
    assert.match(move, /<tptz:ProfileToken>Profile_1<\/tptz:ProfileToken><tptz:Velocity><tt:PanTilt x="1" y="-0.5"\/><tt:Zoom x="-1"\/><\/tptz:Velocity><tptz:Timeout>PT2S<\/tptz:Timeout>/);
    assert.match(cam.requests.find((r) => r.action === 'Stop')?.body ?? '', /<tptz:PanTilt>true<\/tptz:PanTilt><tptz:Zoom>true<\/tptz:Zoom>/);
    assert.match(cam.requests.find((r) => r.action === 'SetPreset')?.body ?? '', /<tptz:PresetName>Gate &amp; yard<\/tptz:PresetName>/);
    assert.equal(cam.requests.find((r) => r.action === 'ContinuousMove')?.url, '/onvif/PTZ');
  });

  it('creates a PullPoint, pulls motion, tamper and line crossing, renews and unsubscribes at the subscription address', async () => {
    const skewMs = -60_000;
    const cam = await camera({
      skewMs,
      profiles: twoProfiles,
      extra: (r) => {
        switch (r.action) {
          case 'CreatePullPointSubscriptionRequest': return { body: pullPointCreated('http://192.168.1.64/onvif/Events/PullSubManager_1', true) };
          case 'PullMessagesRequest': return { body: pulledMessages };
          case 'RenewRequest': return { body: soap12('<wsnt:RenewResponse><wsnt:TerminationTime>2026-12-07T10:02:00Z</wsnt:TerminationTime><wsnt:CurrentTime>2026-12-07T10:00:30Z</wsnt:CurrentTime></wsnt:RenewResponse>') };
          case 'UnsubscribeRequest': return { body: soap12('<wsnt:UnsubscribeResponse/>') };
          default: return undefined;
        }
      },
    });
    const pp = await client(cam.base).createPullPoint(60);
    assert.equal(pp.address, `${cam.base}/onvif/Events/PullSubManager_1`);
    assert.ok(Math.abs(pp.terminationAt - (Date.now() + 60_000)) < 3000);
    const events = await pp.pull(5, 10);
    assert.deepEqual(events.map((e) => [e.topic, e.data]), [
      ['tns1:RuleEngine/CellMotionDetector/Motion', { IsMotion: 'true' }],
      ['tns1:RuleEngine/TamperDetector/Tamper', { IsTamper: 'true' }],
      ['tns1:RuleEngine/LineDetector/Crossed', { ObjectId: '7' }],
      ['tns1:Device/tnsaxis:Sensor/PIR', { state: '1' }],
    ]);
    assert.deepEqual(events[0]?.source, { VideoSourceConfigurationToken: 'VideoSourceToken', VideoAnalyticsConfigurationToken: 'VideoAnalyticsToken', Rule: 'MyMotionDetectorRule' });
    assert.ok(Math.abs((events[0]?.at ?? 0) - (Date.parse('2026-12-07T10:00:09Z') + 60_000)) < 2000, 'camera time moved onto our clock (skew estimate within a second or two)');
    const renewedTo = await pp.renew(90);
    assert.ok(Math.abs(renewedTo - (Date.now() + 90_000)) < 3000);
    await pp.unsubscribe();
    const onSub = cam.requests.filter((r) => /PullMessages|Renew|Unsubscribe/.test(r.action));
    assert.equal(onSub.length, 3);
    for (const r of onSub) {
      assert.equal(r.url, '/onvif/Events/PullSubManager_1');
      assert.match(r.body, /<a:To s:mustUnderstand="1">http:\/\/127\.0\.0\.1:\d+\/onvif\/Events\/PullSubManager_1<\/a:To>/);
      assert.match(r.body, /<SubscriptionId xmlns="http:\/\/www\.axis\.com\/2009\/event">42<\/SubscriptionId>/);
    }
    assert.match(onSub[0]?.body ?? '', /<tev:Timeout>PT5S<\/tev:Timeout><tev:MessageLimit>10<\/tev:MessageLimit>/);
  });
});
