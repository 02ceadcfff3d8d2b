// CLI: simulated GB28181 devices against a platform, for trying the gateway by hand.
//   node --import tsx test/sim/gbsim/run.ts --platform 127.0.0.1:5060 --device 34020000001320000001 --password 12345678 \
//     [--platform-id 34020000002000000001] [--domain 3402000000] [--channels 4] [--devices 1] [--transport udp|tcp] [--keepalive 60]
import { parseArgs } from 'node:util';
import { ensureGbClip } from './clip.ts';
import { GbSimHost } from './host.ts';
import { stayRegistered } from './stay-registered.ts';

const { values } = parseArgs({
  options: {
    platform: { type: 'string', default: '127.0.0.1:5060' }, 'platform-id': { type: 'string', default: '34020000002000000001' },
    domain: { type: 'string', default: '3402000000' }, device: { type: 'string', default: '34020000001320000001' },
    password: { type: 'string', default: '12345678' }, channels: { type: 'string', default: '4' }, devices: { type: 'string', default: '1' },
    transport: { type: 'string', default: 'udp' }, keepalive: { type: 'string', default: '60' }, host: { type: 'string', default: '127.0.0.1' },
  },
});
const [address, port] = values.platform.split(':');
const log = (line: string) => process.stderr.write(`gbsim: ${line}\n`);
const clip = await ensureGbClip();
const host = await GbSimHost.start({
  platform: { host: address ?? '127.0.0.1', port: Number(port ?? 5060), id: values['platform-id'], domain: values.domain },
  host: values.host, sipTransport: values.transport === 'tcp' ? 'tcp' : 'udp',
  onKeepaliveError: (d, err) => log(`${d.deviceId} keepalive: ${err.message}`),
});
const first = BigInt(values.device);
const stays = Array.from({ length: Number(values.devices) }, (_, i) => {
  const device = host.addDevice({ deviceId: String(first + BigInt(i)).padStart(20, '0'), password: values.password, channels: Number(values.channels), clip, keepaliveSeconds: Number(values.keepalive) });
  device.on('invite', (c) => log(`INVITE ${c}`));
  device.on('stopped', (c) => log(`stream of ${c} ended`));
  device.on('ptz', (p) => log(`PTZ ${p.channelId} ${p.ptzCmd}`));
  return stayRegistered(device, log);
});
log(`${stays.length} device(s) on ${host.address}:${host.port} → ${values.platform}`);
process.once('SIGINT', () => {
  for (const s of stays) s.stop();
  void host.close().then(() => process.exit(0));
});
