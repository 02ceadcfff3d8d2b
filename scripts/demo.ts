// `npm start`: the gateway with the embedded demo. Besides configs/demo.yaml
// (SQLite, grid cells, cameras, sensors) it runs the camera simulator from
// test/sim: three RTSP cameras at rtsp://127.0.0.1:8554/demo-{1,2,3} (a red
// square the test detector calls "person", a blue one it calls "car", and a
// test pattern) and a drone pushing RTMP with the demo channel's key, all
// real ffmpeg streams; and the demo sensors publishing over real MQTT with
// their credentials, now and then crossing a threshold; and a GB28181 NVR
// (test/sim/gbsim) that registers with the demo's SIP server and streams
// MPEG-PS over RTP when its channels are played; and an ONVIF PTZ dome
// (scripts/demo-onvif.ts) on demo-1 with a CIF sub-stream, found by the
// console's discovery and added as cam-onvif-01. On first start it also
// creates demo people (engineer, operator, dispatcher, and an operator who
// sees only 东门街道) and prints their passwords once, beside the admin's.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGateway } from '../gateway/run.ts';
import { createDemoUsers } from './demo-users.ts';
import { addDemoOnvifChannel, startDemoOnvifCamera, type DemoOnvif } from './demo-onvif.ts';
import { startCameraSimulator } from '../test/sim/camera-sim.ts';
import { ensureClip } from '../test/sim/clips.ts';
import { publish, type Publisher } from '../test/sim/publisher.ts';
import { ensureGbClip } from '../test/sim/gbsim/clip.ts';
import { GbSimHost } from '../test/sim/gbsim/host.ts';
import { stayRegistered, type StayRegistered } from '../test/sim/gbsim/stay-registered.ts';
import { sensorsFromConfig, startSensorSimulator, type SensorSimulator } from '../test/sim/sensor-sim.ts';

const DEMO_CONFIG = 'configs/demo.yaml';
const CONFIG_RTSP_PORT = 8554; // the demo cameras' URLs in configs/demo.yaml
// DEMO_RTSP_PORT=0 (the browser tests) puts the simulated cameras on a free port.
const RTSP_PORT = Number(process.env.DEMO_RTSP_PORT ?? CONFIG_RTSP_PORT);
// The ONVIF camera keeps its port across restarts (the channel stores its address); a free one with DEMO_RTSP_PORT=0.
const ONVIF_PORT = Number(process.env.DEMO_ONVIF_PORT ?? (RTSP_PORT === 0 ? 0 : 18080));
const DRONE_PUSH_KEY = 'demo-drone-push-key-01';
const clipDir = join(process.cwd(), 'data', 'sim-clips');

process.stdout.write('demo: preparing the simulated cameras (the first start encodes a test clip)…\n');
let sim;
try {
  sim = await startCameraSimulator({
    host: '127.0.0.1',
    port: RTSP_PORT,
    clipDir,
    streams: [
      { path: 'demo-1', clip: 'red-square-360p' },
      { path: 'demo-2', clip: 'blue-square-360p' },
      { path: 'demo-3', clip: 'h264-720p' },
      { path: 'demo-1-sub', clip: 'h264-cif' }, // the ONVIF camera's sub-stream (子码流)
    ],
  });
} catch (err) {
  process.stderr.write(`demo: cannot start the camera simulator on port ${RTSP_PORT}: ${(err as Error).message}\n`);
  process.exit(78);
}

let drone: Publisher | undefined;
let sensors: SensorSimulator | undefined;
let gbHost: GbSimHost | undefined;
let gbNvr: StayRegistered | undefined;
let onvif: DemoOnvif | undefined;
try {
  onvif = await startDemoOnvifCamera(ONVIF_PORT, { main: sim.url('demo-1'), sub: sim.url('demo-1-sub') });
} catch (err) {
  process.stderr.write(`demo: no ONVIF camera (port ${ONVIF_PORT}): ${(err as Error).message}\n`);
}
/** The demo config, copied with the cameras' URLs on the simulator's port when that is not the usual one. */
function demoConfig(port: number): string {
  if (port === CONFIG_RTSP_PORT) return DEMO_CONFIG;
  const file = join(tmpdir(), `gw-demo-${process.pid}.yaml`);
  writeFileSync(file, readFileSync(DEMO_CONFIG, 'utf8').replaceAll(`127.0.0.1:${CONFIG_RTSP_PORT}/`, `127.0.0.1:${port}/`));
  return file;
}

// The console's ONVIF discovery also probes the simulated camera's responder (it answers unicast only).
const discoverDemoCamera = onvif ? ['--onvif.discovery.unicastTo', JSON.stringify([onvif.discovery])] : [];
const { gateway, config } = await runGateway(['--config', demoConfig(sim.port), ...discoverDemoCamera, ...process.argv.slice(2)], async () => {
  await onvif?.close();
  gbNvr?.stop();
  await gbHost?.close();
  await sensors?.stop();
  await drone?.stop();
  await sim.stop();
});
await createDemoUsers(gateway.accounts.users, gateway.service.store, process.stdout);
const mqttPort = gateway.sensors?.ports.mqtt;
if (mqttPort) {
  sensors = await startSensorSimulator({ url: `mqtt://127.0.0.1:${mqttPort}`, sensors: sensorsFromConfig('configs/demo.yaml'), intervalMs: 2000, excursionChance: 0.005 });
}
const rtmpPort = gateway.video?.ports.rtmp;
if (rtmpPort) drone = publish(await ensureClip('h264-720p', clipDir), `rtmp://127.0.0.1:${rtmpPort}/live/${DRONE_PUSH_KEY}`, { format: 'flv' });

// The demo NVR (configs/demo.yaml: 31010100001180000001) with the seeded channel and a second one its catalog adds.
const sipPort = gateway.gb28181?.ports.sip;
if (sipPort) {
  const gb = config.gb28181;
  gbHost = await GbSimHost.start({ platform: { host: '127.0.0.1', port: sipPort, id: gb.id, domain: gb.domain } });
  const device = gbHost.addDevice({
    deviceId: '31010100001180000001', password: 'demo-gb-nvr-01-pass', clip: await ensureGbClip(clipDir, 'red-square'), keepaliveSeconds: gb.keepalive.intervalSeconds,
    channels: [
      { deviceId: '31010100001320000001', name: '东门街道NVR-通道1', manufacturer: 'CityGW-Sim', model: 'SIM-IPC-1', status: 'ON', longitude: 121.5, latitude: 31.235 },
      { deviceId: '31010100001320000002', name: '东门街道NVR-通道2', manufacturer: 'CityGW-Sim', model: 'SIM-IPC-1', status: 'ON', longitude: 121.501, latitude: 31.236 },
    ],
  });
  gbNvr = stayRegistered(device, (line) => process.stdout.write(`demo: GB28181 NVR ${line}\n`));
}

if (onvif && config.onvif.enabled) {
  try {
    if ((await addDemoOnvifChannel(gateway.service, onvif.camera, config.onvif.requestTimeoutMs)) === 'added') process.stdout.write(`demo: ONVIF camera added as cam-onvif-01 (${onvif.camera.xaddr})\n`);
  } catch (err) {
    process.stderr.write(`demo: the ONVIF camera was not added: ${(err as Error).message}\n`);
  }
}
