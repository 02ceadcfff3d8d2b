// Registry edits of a registered GB28181 device take effect at once, through
// the real SIP server, the device simulator and the channel's real ffmpeg:
// disable and delete end its live session (BYE), drop its registration and
// refuse its requests; a new media transport applies to the next INVITE, a
// new password to the next REGISTER.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addGbDevice, gbDeviceStatus, GB_VIDEO_ARGS, platformOf } from './helpers/gb28181.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { startVideoGateway, statusOf, waitFor } from './helpers/video.ts';
import { ensureGbClip, GbSimHost, type GbDeviceSim } from './sim/gbsim/index.ts';

describe('GB28181 device edits take effect live', () => {
  let t: TestGateway;
  let host: GbSimHost;
  let clip: string;
  before(async () => {
    t = await startVideoGateway(GB_VIDEO_ARGS);
    clip = await ensureGbClip();
    host = await GbSimHost.start({ platform: platformOf({ sipPort: t.gw.gb28181!.ports.sip }) });
  });
  after(async () => {
    await host.close();
    await t.stop();
  });

  /** A registered device with one catalog channel, keeping alive. */
  async function registered(id: string, password: string, extra: Record<string, unknown> = {}): Promise<GbDeviceSim> {
    await addGbDevice(t, { id, password, ...extra });
    const dev = host.addDevice({ deviceId: id, password, channels: 1, clip, keepaliveSeconds: 0.5 });
    assert.equal((await dev.register()).status, 200);
    dev.startKeepalive();
    await waitFor(async () => (await t.call('operator', { method: 'GET', url: `/api/channels/${dev.channelIds[0]!}` })).statusCode === 200 || undefined, 8000, 'catalog channel');
    return dev;
  }

  /** Runs the device's channel (always on: no idle stop can be taken for the edit's effect) until its live session streams. */
  async function playing(dev: GbDeviceSim): Promise<string> {
    const channelId = dev.channelIds[0]!;
    assert.equal((await t.call('engineer', { method: 'PATCH', url: `/api/channels/${channelId}`, payload: { mode: 'always-on' } })).statusCode, 200);
    await waitFor(() => dev.streams.size === 1 || undefined, 10_000, 'the device streaming');
    await waitFor(() => t.gw.gb28181!.live.list().some((s) => s.channelId === channelId) || undefined, 5000, 'live session');
    return channelId;
  }

  const registrations = async () =>
    ((await t.call('operator', { method: 'GET', url: '/api/gb28181/registrations' })).json() as { items: Array<{ deviceId: string; mediaTransport: string }> }).items;

  test('disabling a device: BYE to its session, offline "disabled", REGISTER and MESSAGEs refused, PTZ and queries 409; enabling lets it back', async () => {
    const dev = await registered('34020000001320000301', 'pass-301');
    const channelId = await playing(dev);
    const byes = dev.received.byes;
    const patched = await t.call('engineer', { method: 'PATCH', url: `/api/gb28181/devices/${dev.deviceId}`, payload: { enabled: false } });
    assert.equal(patched.statusCode, 200, patched.body);
    await waitFor(() => dev.received.byes > byes || undefined, 5000, 'a BYE: the platform ended the stream');
    assert.ok(t.gw.gb28181!.live.list().every((s) => s.channelId !== channelId), 'no live session left');
    assert.ok((await registrations()).every((r) => r.deviceId !== dev.deviceId), 'gone from the registrations');
    await waitFor(async () => {
      const s = await gbDeviceStatus(t, dev.deviceId);
      return s.state === 'offline' && s.reason === 'disabled' ? s : undefined;
    }, 3000, 'device offline: disabled');
    const channel = await waitFor(async () => {
      const s = await statusOf(t, channelId);
      return s.state === 'offline' && /disabled/.test(s.reason ?? '') ? s : undefined;
    }, 10_000, 'channel offline');
    assert.equal(channel.reason, 'device offline: disabled');

    dev.stopKeepalive();
    assert.equal(await dev.sendKeepalive(), 403, 'MESSAGEs refused');
    assert.equal((await dev.register()).status, 403, 'REGISTER refused');
    for (const [method, url, payload] of [
      ['POST', `/api/gb28181/devices/${dev.deviceId}/catalog`, undefined],
      ['GET', `/api/gb28181/devices/${dev.deviceId}/device-status`, undefined],
      ['POST', `/api/channels/${channelId}/ptz`, { pan: 'left' }],
    ] as const) {
      const res = await t.call('engineer', { method, url, payload });
      assert.equal(res.statusCode, 409, `${method} ${url}: ${res.body}`);
      assert.equal(res.json().code, 'GW_ERR_DEVICE_OFFLINE');
      assert.match(res.json().message, /disabled/);
    }

    assert.equal((await t.call('engineer', { method: 'PATCH', url: `/api/gb28181/devices/${dev.deviceId}`, payload: { enabled: true } })).statusCode, 200);
    assert.equal((await gbDeviceStatus(t, dev.deviceId)).reason, 'not registered');
    assert.equal((await dev.register()).status, 200);
    await waitFor(async () => (await gbDeviceStatus(t, dev.deviceId)).state === 'online' || undefined, 3000, 'online again');
  });

  test('deleting a device: BYE to its session, gone from the registrations, REGISTER and MESSAGEs refused, its API 404', async () => {
    const dev = await registered('34020000001320000302', 'pass-302');
    const channelId = await playing(dev);
    const byes = dev.received.byes;
    assert.equal((await t.call('engineer', { method: 'DELETE', url: `/api/gb28181/devices/${dev.deviceId}` })).statusCode, 204);
    await waitFor(() => dev.received.byes > byes || undefined, 5000, 'a BYE');
    assert.ok((await registrations()).every((r) => r.deviceId !== dev.deviceId));
    assert.equal(t.gw.gb28181!.sessions.get(dev.deviceId), undefined);
    await waitFor(async () => (await statusOf(t, channelId)).reason === 'device offline: deleted' || undefined, 10_000, 'channel says the device is deleted');
    dev.stopKeepalive();
    assert.equal(await dev.sendKeepalive(), 403);
    assert.equal((await dev.register()).status, 403);
    const catalog = await t.call('engineer', { method: 'POST', url: `/api/gb28181/devices/${dev.deviceId}/catalog` });
    assert.equal(catalog.statusCode, 404);
    assert.equal(catalog.json().code, 'GW_ERR_NOT_FOUND');
    const ptz = await t.call('operator', { method: 'POST', url: `/api/channels/${channelId}/ptz`, payload: {} });
    assert.equal(ptz.statusCode, 404);
    assert.match(ptz.json().message, /GB28181 device/);
  });

  test('a new media transport applies to the next INVITE, without a new REGISTER', async () => {
    const dev = await registered('34020000001320000303', 'pass-303', { mediaTransport: 'udp' });
    const registers = { ...(t.gw.gb28181!.status().register as Record<string, number>) };
    assert.equal((await t.call('engineer', { method: 'PATCH', url: `/api/gb28181/devices/${dev.deviceId}`, payload: { mediaTransport: 'tcp' } })).statusCode, 200);
    assert.equal((await registrations()).find((r) => r.deviceId === dev.deviceId)?.mediaTransport, 'tcp');
    const channelId = await playing(dev);
    assert.ok(dev.received.inviteTransports.length >= 1 && dev.received.inviteTransports.every((x) => x === 'tcp'), `INVITEs offered ${dev.received.inviteTransports.join(', ')}`);
    assert.equal(t.gw.gb28181!.live.list().find((s) => s.channelId === channelId)?.transport, 'tcp');
    await waitFor(async () => (await statusOf(t, channelId)).state === 'online' || undefined, 10_000, 'playing over TCP');
    assert.deepEqual(t.gw.gb28181!.status().register, registers, 'no REGISTER was needed');
    await t.call('engineer', { method: 'PATCH', url: `/api/channels/${channelId}`, payload: { enabled: false } });
  });

  test('a new password applies to the next REGISTER: the old one is refused and ends the registration ("auth failed"), the new one is accepted', async () => {
    const dev = await registered('34020000001320000304', 'old-pass-304');
    assert.equal((await t.call('engineer', { method: 'PATCH', url: `/api/gb28181/devices/${dev.deviceId}`, payload: { password: 'new-pass-304' } })).statusCode, 200);
    assert.ok(t.gw.gb28181!.sessions.get(dev.deviceId), 'registered until its next REGISTER');
    dev.stopKeepalive();
    assert.equal((await dev.register()).status, 403, 'the old password is refused');
    assert.equal(t.gw.gb28181!.sessions.get(dev.deviceId), undefined);
    await waitFor(async () => {
      const s = await gbDeviceStatus(t, dev.deviceId);
      return s.state === 'offline' && s.reason === 'auth failed' ? s : undefined;
    }, 3000, 'offline: auth failed');
    dev.options.password = 'new-pass-304';
    assert.equal((await dev.register()).status, 200);
    await waitFor(async () => (await gbDeviceStatus(t, dev.deviceId)).state === 'online' || undefined, 3000, 'online with the new password');
  });
});
