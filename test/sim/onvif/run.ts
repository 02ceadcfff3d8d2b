// CLI: simulated ONVIF cameras for the demo and benchmarks, each on its own
// HTTP port, with a WS-Discovery responder (unicast probes on --host).
//   node --import tsx test/sim/onvif/run.ts --devices 4 --rtsp-main 'rtsp://127.0.0.1:8554/demo-{i}' --rtsp-sub 'rtsp://127.0.0.1:8554/demo-{i}-sub' \
//     [--user admin] [--pass admin123] [--port-base 18080] [--discovery-port 3702] [--skew-ms 0] [--auth ws-security|http-digest|both] \
//     [--no-ptz] [--no-events] [--motion-every 0] [--host 127.0.0.1] [--address-per-device]
// Prints one JSON line on stdout ({ discovery, devices: [{ name, serial, xaddr }] }); logs on stderr. Ctrl-C stops it.
import { parseArgs } from 'node:util';
import type { AuthMode } from './auth.ts';
import { OnvifSimHost } from './host.ts';
import { simEvents } from './topics.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1' }, host: { type: 'string', default: '127.0.0.1' },
    'rtsp-main': { type: 'string', default: 'rtsp://127.0.0.1:8554/demo-{i}' }, 'rtsp-sub': { type: 'string' },
    user: { type: 'string', default: 'admin' }, pass: { type: 'string', default: 'admin123' },
    'port-base': { type: 'string' }, 'discovery-port': { type: 'string' }, 'skew-ms': { type: 'string', default: '0' },
    auth: { type: 'string', default: 'ws-security' }, 'no-ptz': { type: 'boolean', default: false }, 'no-events': { type: 'boolean', default: false },
    'motion-every': { type: 'string', default: '0' }, 'address-per-device': { type: 'boolean', default: false },
  },
});
const log = (line: string) => process.stderr.write(`onvif-sim: ${line}\n`);
const auth = values.auth as AuthMode;
if (!['ws-security', 'http-digest', 'both'].includes(auth)) throw new Error(`--auth ${values.auth}: ws-security, http-digest or both`);
const count = Number(values.devices);
const fill = (template: string, i: number) => template.replaceAll('{i}', String(i));

const host = await OnvifSimHost.start({ host: values.host, addressPerDevice: values['address-per-device'], discoveryPort: values['discovery-port'] === undefined ? undefined : Number(values['discovery-port']) });
const devices = await Promise.all(Array.from({ length: count }, (_, n) => {
  const i = n + 1;
  return host.addDevice({
    name: `ONVIF Sim ${i}`, serial: `SIM${String(i).padStart(6, '0')}`, username: values.user, password: values.pass,
    rtsp: { main: fill(values['rtsp-main'], i), sub: values['rtsp-sub'] === undefined ? undefined : fill(values['rtsp-sub'], i) },
    port: values['port-base'] === undefined ? undefined : Number(values['port-base']) + n,
    clockSkewMs: Number(values['skew-ms']), authMode: auth, ptz: !values['no-ptz'], events: !values['no-events'],
  });
}));
process.stdout.write(`${JSON.stringify({ discovery: host.discoveryAddress, devices: devices.map((d) => ({ name: d.facts.name, serial: d.facts.serial, xaddr: d.xaddr })) })}\n`);
log(`${devices.length} camera(s) on ${values['address-per-device'] ? '127.0.1.1 onwards' : values.host}, discovery on udp ${host.discoveryAddress?.port}`);

const everyMs = Number(values['motion-every']) * 1000;
const motion = everyMs > 0
  ? setInterval(() => {
    for (const d of devices) d.emit(simEvents.motion(true));
    setTimeout(() => devices.forEach((d) => d.emit(simEvents.motion(false))), Math.min(1000, everyMs / 2)).unref();
  }, everyMs)
  : undefined;

const stop = () => {
  clearInterval(motion);
  void host.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
