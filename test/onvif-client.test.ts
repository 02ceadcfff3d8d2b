// The ONVIF client against the ONVIF simulator (in process, HTTP and UDP on
// 127.0.0.1): what the registry and the PTZ/events rooms rely on.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { onvifClient, OnvifError } from '../gateway/onvif/index.ts';
import { discoverWithReport } from '../gateway/onvif/discovery.ts';
import { OnvifSimHost, simEvents, SIM_TOPICS } from './sim/onvif/index.ts';
import type { OnvifDeviceOptions } from './sim/onvif/index.ts';

const CREDS = { username: 'admin', password: 'Sim-pass-1' };
const RTSP = { main: 'rtsp://127.0.0.1:8554/cam-1', sub: 'rtsp://127.0.0.1:8554/cam-1-sub' };
const kind = (k: string) => (err: unknown) => err instanceof OnvifError && err.kind === k && !err.message.includes(CREDS.password);

const hosts: OnvifSimHost[] = [];
after(() => Promise.all(hosts.map((h) => h.close())));

async function camera(o: Partial<OnvifDeviceOptions> = {}) {
  const host = await OnvifSimHost.start({ discovery: false });
  hosts.push(host);
  return host.addDevice({ ...CREDS, rtsp: RTSP, ...o });
}
const clientOf = (xaddr: string, password = CREDS.password, resyncAfterMs?: number) => onvifClient({ xaddr, username: CREDS.username, password }, { timeoutMs: 10_000, resyncAfterMs });

describe('ONVIF client against the simulator', () => {
  it('reads facts from a camera whose clock is two hours off, and fetches a snapshot behind digest', async () => {
    const dev = await camera({ clockSkewMs: -7_200_000, manufacturer: 'HIKVISION', model: 'DS-2CD2143G0-I', serial: 'SN-1' });
    const c = clientOf(dev.xaddr);
    const facts = await c.facts();
    assert.ok(Math.abs(facts.clockSkewMs + 7_200_000) < 3000, `skew ${facts.clockSkewMs}`);
    assert.equal(facts.manufacturer, 'HIKVISION');
    assert.equal(facts.model, 'DS-2CD2143G0-I');
    assert.equal(facts.serial, 'SN-1');
    assert.deepEqual(facts.profiles.map((p) => [p.token, p.encoding, p.width, p.height, p.streamUri]), [
      ['Profile_1', 'H264', 1280, 720, RTSP.main],
      ['Profile_2', 'H264', 352, 288, RTSP.sub],
    ]);
    assert.deepEqual(facts.capabilities, { ptz: true, events: true });
    const jpeg = await c.snapshot('Profile_1');
    assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
    assert.ok(dev.received.every((r) => r.auth !== 'refused'), JSON.stringify(dev.received.filter((r) => r.auth === 'refused').map((r) => [r.operation, r.refusal])));
  });

  it('speaks to an HTTP-digest-only camera', async () => {
    const dev = await camera({ authMode: 'http-digest' });
    const facts = await clientOf(dev.xaddr).facts();
    assert.equal(facts.profiles[0]?.token, 'Profile_1');
  });

  it('says auth for a wrong password (400 and 401 fault styles)', async () => {
    for (const authFaultStatus of [400, 401] as const) {
      const dev = await camera({ authFaultStatus });
      await assert.rejects(clientOf(dev.xaddr, 'wrong').facts(), kind('auth'));
    }
  });

  it('moves, stops and keeps presets on a PTZ camera', async () => {
    const dev = await camera();
    const c = clientOf(dev.xaddr);
    await c.continuousMove('Profile_1', { x: 0.5, y: -0.5, zoom: 0 });
    await waitFor(() => dev.ptz.position.x > 0);
    await c.stop('Profile_1');
    const token = await c.setPreset('Profile_1', 'Gate');
    assert.ok((await c.presets('Profile_1')).some((p) => p.token === token && p.name === 'Gate'));
    await c.gotoPreset('Profile_1', token);
    await c.removePreset('Profile_1', token);
    assert.ok(!(await c.presets('Profile_1')).some((p) => p.token === token));
  });

  it('measures the clock again when a camera\'s clock jumps under a long-lived client', async () => {
    const dev = await camera();
    const steady = clientOf(dev.xaddr);
    const resyncing = clientOf(dev.xaddr, CREDS.password, 0);
    await steady.facts();
    await resyncing.facts();
    dev.clockSkewMs = 3_600_000; // NTP caught up, or a reboot
    await assert.rejects(steady.stop('Profile_1'), kind('auth'), 'a skew measured under a minute ago is trusted');
    await resyncing.stop('Profile_1');
    assert.equal(dev.requests('GetSystemDateAndTime').length, 3);
  });

  it('reads a camera clock 3 h off that gives only LocalDateTime and a POSIX TZ (CST-8)', async () => {
    const dev = await camera({ clockFormat: 'local-only', clockSkewMs: 3 * 3600_000 });
    const c = clientOf(dev.xaddr);
    const facts = await c.facts();
    assert.equal(facts.clockSource, 'local+tz');
    assert.ok(Math.abs(facts.clockSkewMs - 3 * 3600_000) < 3000, `skew ${facts.clockSkewMs}`);
    await c.stop('Profile_1');
    assert.deepEqual(refusals(dev), []);
  });

  it('applies the DST rule of a LocalDateTime-only camera (EST5EDT, offset as the tz database has it today)', async () => {
    const skew = -26 * 3600_000; // set to the wrong day as well
    const offsetMs = zoneOffsetMs('America/New_York', Date.now() + skew);
    const dev = await camera({ clockFormat: 'local-only', clockSkewMs: skew, timeZone: { tz: 'EST5EDT,M3.2.0,M11.1.0', offsetMs } });
    const facts = await clientOf(dev.xaddr).facts();
    assert.equal(facts.clockSource, 'local+tz');
    assert.ok(Math.abs(facts.clockSkewMs - skew) < 3000, `skew ${facts.clockSkewMs}, zone offset ${offsetMs}`);
    assert.deepEqual(refusals(dev), []);
  });

  it("reads an ambiguous 'GMT+08' the way the camera's HTTP Date header agrees with", async () => {
    const dev = await camera({ clockFormat: 'local-only', clockSkewMs: 2 * 3600_000, timeZone: { tz: 'GMT+08:00', offsetMs: 8 * 3600_000 } });
    const facts = await clientOf(dev.xaddr).facts();
    assert.equal(facts.clockSource, 'local+tz');
    assert.ok(Math.abs(facts.clockSkewMs - 2 * 3600_000) < 3000, `skew ${facts.clockSkewMs}`);
  });

  it('takes the HTTP Date header when GetSystemDateAndTime wants credentials and the clock is 2 h off', async () => {
    const dev = await camera({ openOperations: [], clockSkewMs: 2 * 3600_000 });
    const c = clientOf(dev.xaddr);
    const facts = await c.facts();
    assert.equal(facts.clockSource, 'http-date');
    assert.ok(Math.abs(facts.clockSkewMs - 2 * 3600_000) < 2000, `skew ${facts.clockSkewMs}`);
    const clock = dev.requests('GetSystemDateAndTime');
    assert.deepEqual(clock.map((r) => r.auth === 'refused'), [true, true], 'asked without, then with WS-Security on our clock: both refused');
    await c.stop('Profile_1');
    assert.equal(refusals(dev).length, 2, JSON.stringify(refusals(dev)));
  });

  it('asks for the clock with WS-Security when it wants credentials and the clocks agree', async () => {
    const dev = await camera({ openOperations: [], clockSkewMs: 1500 });
    const facts = await clientOf(dev.xaddr).facts();
    assert.equal(facts.clockSource, 'utc');
    assert.ok(Math.abs(facts.clockSkewMs - 1500) < 1500, `skew ${facts.clockSkewMs}`);
    assert.deepEqual(dev.requests('GetSystemDateAndTime').map((r) => r.auth), ['refused', 'ws-security']);
  });

  it('says utc for a camera that gives UTCDateTime', async () => {
    const dev = await camera({ clockSkewMs: -90_000 });
    const facts = await clientOf(dev.xaddr).facts();
    assert.equal(facts.clockSource, 'utc');
    assert.ok(Math.abs(facts.clockSkewMs + 90_000) < 3000, `skew ${facts.clockSkewMs}`);
  });

  it('says unsupported (or a fault) for PTZ on a camera without it, and facts say no PTZ', async () => {
    const dev = await camera({ faults: { noPtz: true } });
    const c = clientOf(dev.xaddr);
    assert.equal((await c.facts()).capabilities.ptz, false);
    await assert.rejects(c.continuousMove('Profile_1', { x: 1, y: 0, zoom: 0 }), (err: unknown) => kind('unsupported')(err) || kind('fault')(err));
  });

  it('pulls motion, tamper and line crossing from a PullPoint, renews and unsubscribes', async () => {
    const dev = await camera({ clockSkewMs: 30_000 });
    const pp = await clientOf(dev.xaddr).createPullPoint(60);
    assert.ok(pp.terminationAt > Date.now() + 50_000 && pp.terminationAt < Date.now() + 70_000, `terminationAt in ${pp.terminationAt - Date.now()} ms`);
    dev.emit(simEvents.motion(true));
    dev.emit(simEvents.tamper(true));
    dev.emit(simEvents.lineCrossing(3));
    const events = [];
    while (events.length < 3) events.push(...(await pp.pull(2, 10)));
    assert.deepEqual(events.map((e) => e.topic), [SIM_TOPICS.motion, SIM_TOPICS.tamper, SIM_TOPICS.lineCrossing]);
    assert.equal(events[0]?.data.IsMotion, 'true');
    assert.equal(events[2]?.data.ObjectId, '3');
    assert.ok(events.every((e) => Math.abs(e.at - Date.now()) < 10_000), 'event times on our clock');
    const renewed = await pp.renew(120);
    assert.ok(renewed > Date.now() + 100_000);
    await pp.unsubscribe();
    assert.equal(dev.pullPoints.live().length, 0);
  });

  it('refuses hostile answers as malformed', async () => {
    for (const hostile of ['entity-bomb', 'xxe', 'deep-nesting', 'huge-body'] as const) {
      const dev = await camera({ faults: { hostile: { GetProfiles: hostile }, hugeBodyBytes: 2 * 1024 * 1024 } });
      await assert.rejects(clientOf(dev.xaddr).facts(), kind('malformed'), hostile);
    }
  });

  it('finds the simulated cameras by WS-Discovery', async () => {
    const host = await OnvifSimHost.start({ discovery: { flood: 5, floodDistinct: true, malformed: 'all' } });
    hosts.push(host);
    const a = await host.addDevice({ ...CREDS, rtsp: RTSP, name: 'Gate cam' });
    await host.addDevice({ ...CREDS, rtsp: RTSP, name: 'Yard cam' });
    const report = await discoverWithReport({ timeoutMs: 2000, interfaces: [], unicastTo: [host.discoveryAddress ?? { host: '127.0.0.1', port: 0 }], maxPerHost: 4 });
    const gate = report.devices.find((d) => d.endpoint === a.endpoint);
    assert.deepEqual(gate?.xaddrs, [a.xaddr]);
    assert.equal(gate?.name, 'Gate cam');
    assert.equal(report.devices.length, 4, 'a flooding host is bounded');
    assert.ok(report.malformed >= 1 && report.ignored >= 1, JSON.stringify({ malformed: report.malformed, ignored: report.ignored }));
  });

  it('finds cameras behind a router by probing an address range, one unicast Probe per address (loopback)', async () => {
    const host = await OnvifSimHost.start({ addressPerDevice: true, discoveryPerDevice: true, discovery: false });
    hosts.push(host);
    const cams: Awaited<ReturnType<typeof host.addDevice>>[] = [];
    for (let i = 0; i < 12; i++) cams.push(await host.addDevice({ ...CREDS, rtsp: RTSP, name: `Ranged ${i}` }));
    // 127.0.1.0/28: .1–.14, twelve cameras and two addresses nobody answers on.
    const report = await discoverWithReport({ timeoutMs: 1500, interfaces: [], ranges: ['127.0.1.0/28'], rangePort: host.rangePort, maxPerHost: 1 });
    assert.deepEqual(report.devices.map((d) => d.address).sort(), cams.map((c) => c.host).sort(), 'each camera found at its own address');
    assert.deepEqual(report.devices.find((d) => d.address === cams[3]?.host)?.xaddrs, [cams[3]?.xaddr]);
    assert.equal(report.ignored, 0);
    await assert.rejects(discoverWithReport({ timeoutMs: 500, interfaces: [], ranges: ['127.0.1.0/33'] }), kind('malformed'));
  });
});

const refusals = (dev: { received: Array<{ operation: string; auth: string; refusal?: string }> }) =>
  dev.received.filter((r) => r.auth === 'refused').map((r) => [r.operation, r.refusal]);

/** ms east of UTC of an IANA zone at an instant (Intl: the oracle the sim is set by). */
function zoneOffsetMs(timeZone: string, at: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  assert.ok(m, name);
  return m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000 : 0;
}

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
