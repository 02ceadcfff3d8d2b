// Devices that do not answer, and devices that are offline, disabled or
// deleted, through the real SIP server and the device simulator: every GB28181
// route answers with a code from the catalogue (never a 500), and a device's
// silence is an expected outcome, logged as a warning without a stack.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorCodes, type ErrorCode } from '../device-registry/index.ts';
import { addGbDevice, platformOf, startGbGateway } from './helpers/gb28181.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { waitFor } from './helpers/video.ts';
import { GbSimHost, type GbDeviceSim } from './sim/gbsim/index.ts';

const QUERY_TIMEOUT_S = 5;

describe('GB28181 devices that do not answer, or are not there', () => {
  let t: TestGateway & { sipPort: number };
  let host: GbSimHost;
  before(async () => {
    t = await startGbGateway(['--gb28181.queryTimeoutSeconds', String(QUERY_TIMEOUT_S)]);
    host = await GbSimHost.start({ platform: platformOf(t) });
  });
  after(async () => {
    await host.close();
    await t.stop();
  });

  /** A registered device whose catalog channel is in the registry; then it stops answering what `mute` names. */
  async function registered(id: string, mute: GbDeviceSim['options']['mute']): Promise<GbDeviceSim> {
    await addGbDevice(t, { id, password: `pw-${id}` });
    const dev = host.addDevice({ deviceId: id, password: `pw-${id}`, channels: 1, keepaliveSeconds: 0.5 });
    assert.equal((await dev.register()).status, 200);
    dev.startKeepalive();
    await waitFor(async () => (await t.call('operator', { method: 'GET', url: `/api/channels/${dev.channelIds[0]!}` })).statusCode === 200 || undefined, 10_000, 'catalog channel');
    dev.options.mute = mute;
    return dev;
  }

  /** Log lines written after `from` characters, parsed. */
  const logsSince = (from: number) => t.logs().slice(from).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

  test('a device that does not answer: 504 GW_ERR_DEVICE_TIMEOUT on Catalog, DeviceInfo, DeviceStatus and PTZ, logged as a warning without a stack', async () => {
    const dev = await registered('34020000001320000401', { Catalog: 'no-response', DeviceInfo: 'no-response', DeviceStatus: 'no-response', DeviceControl: 'silent' });
    const from = t.logs().length;
    const calls = await Promise.all([
      t.call('operator', { method: 'GET', url: `/api/gb28181/devices/${dev.deviceId}/device-status` }),
      t.call('operator', { method: 'GET', url: `/api/gb28181/devices/${dev.deviceId}/info` }),
      t.call('engineer', { method: 'POST', url: `/api/gb28181/devices/${dev.deviceId}/catalog` }),
      t.call('operator', { method: 'POST', url: `/api/channels/${dev.channelIds[0]!}/ptz`, payload: { pan: 'left' } }),
    ]);
    for (const res of calls) {
      assert.equal(res.statusCode, 504, res.body);
      assert.equal(res.json().code, 'GW_ERR_DEVICE_TIMEOUT');
      assert.match(res.json().message, new RegExp(`${dev.deviceId}|${dev.channelIds[0]!}`));
    }
    const lines = logsSince(from);
    assert.deepEqual(lines.filter((l) => (l.level as number) >= 50).map((l) => l.msg), [], 'nothing at error level');
    const timeouts = lines.filter((l) => l.code === 'GW_ERR_DEVICE_TIMEOUT');
    assert.equal(timeouts.length, 4);
    for (const l of timeouts) {
      assert.equal(l.level, 40);
      assert.equal(l.err, undefined, 'no error object, so no stack');
      assert.doesNotMatch(JSON.stringify(l), /"stack"|\n\s+at /);
    }
  });

  test('a query in flight when its device is disabled answers 409 at once, not a timeout', async () => {
    const dev = await registered('34020000001320000402', { DeviceStatus: 'no-response' });
    const asked = dev.received.queries.DeviceStatus ?? 0;
    const pending = t.call('operator', { method: 'GET', url: `/api/gb28181/devices/${dev.deviceId}/device-status` });
    await waitFor(() => (dev.received.queries.DeviceStatus ?? 0) > asked || undefined, 2000, 'the query at the device');
    assert.equal((await t.call('engineer', { method: 'PATCH', url: `/api/gb28181/devices/${dev.deviceId}`, payload: { enabled: false } })).statusCode, 200);
    const res = await pending;
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().code, 'GW_ERR_DEVICE_OFFLINE');
    assert.match(res.json().message, /offline \(disabled\)/, 'ended by the edit, not by the query timeout');
  });

  test('every GB28181 route, given a device that is offline, disabled or deleted, answers a 4xx from the catalogue, never a 500', async () => {
    const ids = { offline: '34020000001320000403', disabled: '34020000001320000404', deleted: '34020000001320000405' };
    const channels: Record<string, string> = {};
    for (const [state, id] of Object.entries(ids)) {
      await addGbDevice(t, { id, password: 'pw' });
      channels[state] = `gb-${state}`;
      const created = await t.call('engineer', {
        method: 'POST', url: '/api/channels',
        payload: { id: channels[state], kind: 'gb28181', name: `通道 ${state}`, source: { deviceId: id, channelId: `${id.slice(0, 10)}1310000001` } },
      });
      assert.equal(created.statusCode, 201, created.body);
    }
    assert.equal((await t.call('engineer', { method: 'PATCH', url: `/api/gb28181/devices/${ids.disabled}`, payload: { enabled: false } })).statusCode, 200);
    assert.equal((await t.call('engineer', { method: 'DELETE', url: `/api/gb28181/devices/${ids.deleted}` })).statusCode, 204);

    const expected = { offline: 'GW_ERR_DEVICE_OFFLINE', disabled: 'GW_ERR_DEVICE_OFFLINE', deleted: 'GW_ERR_NOT_FOUND' } as const;
    for (const [state, id] of Object.entries(ids) as Array<[keyof typeof ids, string]>) {
      const routes = [
        ['engineer', 'POST', `/api/gb28181/devices/${id}/catalog`, undefined],
        ['operator', 'GET', `/api/gb28181/devices/${id}/info`, undefined],
        ['operator', 'GET', `/api/gb28181/devices/${id}/device-status`, undefined],
        ['operator', 'POST', `/api/channels/${channels[state]!}/ptz`, { zoom: 'in' }],
      ] as const;
      for (const [role, method, url, payload] of routes) {
        const res = await t.call(role, { method, url, payload });
        const body = res.json() as { code: ErrorCode; message: string };
        assert.equal(body.code, expected[state], `${state}: ${method} ${url} → ${res.statusCode} ${res.body}`);
        assert.equal(res.statusCode, ErrorCodes[body.code]);
        assert.ok(body.message.includes(id), body.message);
      }
      // The rest of its routes: whatever they answer, it is from the catalogue.
      for (const [method, url, payload] of [
        ['GET', `/api/gb28181/devices/${id}`, undefined], ['PATCH', `/api/gb28181/devices/${id}`, { name: '改名' }],
        ['GET', '/api/gb28181/registrations', undefined], ['GET', '/api/gb28181/sessions', undefined], ['GET', '/api/gb28181/status', undefined],
        ['DELETE', `/api/gb28181/devices/${id}`, undefined],
      ] as const) {
        const res = await t.call('admin', { method, url, payload });
        assert.ok(res.statusCode < 500, `${state}: ${method} ${url} → ${res.statusCode} ${res.body}`);
        if (res.statusCode >= 400) assert.equal(res.statusCode, ErrorCodes[(res.json() as { code: ErrorCode }).code]);
      }
    }
    assert.equal((await t.call('operator', { method: 'GET', url: `/api/gb28181/devices/${ids.disabled}` })).statusCode, 404, 'deleted by the sweep above');
  });
});
