// A gateway with its GB28181 SIP server on loopback (port 0, fast keepalive
// settings) and helpers to register simulated devices with it.
import { createSocket } from 'node:dgram';
import { startTestGateway, type TestGateway } from './gateway.ts';

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
