// A gateway with its GB28181 SIP server on loopback (port 0, fast keepalive
// settings) and helpers to register simulated devices with it.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { GbDeviceSim, GbSimHost } from '../sim/gbsim/index.ts';
import { startTestGateway, type TestGateway } from './gateway.ts';
import { waitFor } from './video.ts';

export const PLATFORM_ID = '34020000002000000001';
export const DOMAIN = '3402000000';

export async function startGbGateway(extra: string[] = []): Promise<TestGateway & { sipPort: number }> {
  const t = await startTestGateway({
    argv: [
      '--gb28181.host', '127.0.0.1', '--gb28181.announceAddress', '127.0.0.1',
      '--gb28181.keepalive.intervalSeconds', '1', '--gb28181.keepalive.missed', '2', '--gb28181.queryTimeoutSeconds', '5',
      ...extra,
    ],
  });
  return Object.assign(t, { sipPort: t.gw.gb28181!.ports.sip });
}

/** GB28181 settings for a gateway with video on (startVideoGateway): loopback, short keepalive, RTP and INVITE timeouts. */
export const GB_VIDEO_ARGS = [
  '--gb28181.host', '127.0.0.1', '--gb28181.announceAddress', '127.0.0.1', '--gb28181.keepalive.intervalSeconds', '1',
  '--gb28181.keepalive.missed', '3', '--gb28181.media.rtpTimeoutSeconds', '3', '--gb28181.inviteTimeoutSeconds', '3',
];

export function platformOf(t: { sipPort: number }) {
  return { host: '127.0.0.1', port: t.sipPort, id: PLATFORM_ID, domain: DOMAIN };
}

/** Adds a GB28181 device to the registry (201 expected). */
export async function addGbDevice(t: TestGateway, body: Record<string, unknown>): Promise<void> {
  const res = await t.call('engineer', { method: 'POST', url: '/api/gb28181/devices', payload: { name: `设备 ${String(body.id)}`, ...body } });
  if (res.statusCode !== 201) throw new Error(`add device: ${res.statusCode} ${res.body}`);
}

/** A device's registry status (state and reason). */
export async function gbDeviceStatus(t: TestGateway, id: string): Promise<{ state: string; reason?: string }> {
  return ((await t.call('operator', { method: 'GET', url: `/api/gb28181/devices/${id}` })).json() as { status: { state: string; reason?: string } }).status;
}

/** Sends raw bytes to the SIP port over UDP and returns the first answer (or undefined after `waitMs`). */
export async function udpExchange(port: number, payload: Buffer, waitMs = 1000): Promise<string | undefined> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const answer = new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitMs);
      socket.once('message', (msg) => {
        clearTimeout(timer);
        resolve(msg.toString('utf8'));
      });
    });
    socket.send(payload, port, '127.0.0.1');
    return await answer;
  } finally {
    socket.close();
  }
}

/** A port free on TCP and UDP both (a SIP server listens on both); a test that restarts a gateway keeps it so devices and peers find it again. */
export async function freeSipPort(): Promise<number> {
  for (;;) {
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    await new Promise((r) => server.close(r));
    const udp = createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) {
      await new Promise<void>((r) => udp.close(() => r()));
      return port;
    }
  }
}

/** A simulated device with one channel added to the registry (password `pw-<id>`), registered and keeping alive; resolves once catalog sync made its channel. */
export async function registeredSimDevice(t: TestGateway, host: GbSimHost, id: string, options: Partial<GbDeviceSim['options']> = {}): Promise<GbDeviceSim> {
  await addGbDevice(t, { id, password: `pw-${id}` });
  const dev = host.addDevice({ deviceId: id, password: `pw-${id}`, channels: 1, keepaliveSeconds: 0.5, ...options });
  assert.equal((await dev.register()).status, 200);
  dev.startKeepalive();
  await waitFor(async () => (await t.call('operator', { method: 'GET', url: `/api/channels/${dev.channelIds[0]!}` })).statusCode === 200 || undefined, 10_000, 'catalog channel');
  return dev;
}
