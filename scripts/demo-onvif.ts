// The demo's ONVIF camera: one simulated PTZ dome (test/sim/onvif) with
// events, whose main profile is the demo-1 stream (东门广场, 640×360) and whose
// sub-profile a CIF stream, answering WS-Discovery on a loopback port the
// gateway probes by unicast. On the first start it becomes channel
// cam-onvif-01, read from the camera as 添加 ONVIF (POST /api/onvif/channels)
// reads one, so its facts (maker, model, firmware, profiles, PTZ, events) are
// the camera's own.
import { deviceServiceUrl, onvifClient } from '../gateway/onvif/index.ts';
import { channelInput } from '../gateway/onvif/http/channel-input.ts';
import { inspectCamera } from '../gateway/onvif/http/inspect.ts';
import type { RegistryService } from '../device-registry/index.ts';
import { OnvifSimHost, type OnvifDeviceSim } from '../test/sim/onvif/index.ts';

const CAMERA = { username: 'admin', password: 'demo-onvif-01-pass' };
const CHANNEL = {
  id: 'cam-onvif-01', name: '东门广场球机-ONVIF', gridCode: '310101001001001', location: { lat: 31.236, lng: 121.503 },
  tags: ['ONVIF', '云台', '广场'], mode: 'always-on',
};

export interface DemoOnvif {
  camera: OnvifDeviceSim;
  /** Where the gateway sends its unicast Probe (onvif.discovery.unicastTo). */
  discovery: { host: string; port: number };
  close(): Promise<void>;
}

export async function startDemoOnvifCamera(port: number, rtsp: { main: string; sub: string }): Promise<DemoOnvif> {
  const host = await OnvifSimHost.start({ host: '127.0.0.1' });
  try {
    const camera = await host.addDevice({
      name: 'DS-2DE4425IW 东门广场', manufacturer: 'HIKVISION', model: 'DS-2DE4425IW-DE', firmware: 'V5.7.3 build 220315', serial: 'DEMO-ONVIF-0001',
      location: 'Dongmen Square', ...CAMERA, port, rtsp,
      profiles: [
        { token: 'Profile_1', name: 'mainStream', encoding: 'H264', width: 640, height: 360, fps: 25, bitrateKbps: 1024, streamUri: rtsp.main },
        { token: 'Profile_2', name: 'subStream', encoding: 'H264', width: 352, height: 288, fps: 25, bitrateKbps: 512, streamUri: rtsp.sub },
      ],
    });
    // Presets set at the camera itself, as an installer does: the wall's PTZ panel lists them.
    camera.ptz.presets.set('1', { token: '1', name: '广场入口', position: { x: -0.4, y: 0, zoom: 0 } });
    camera.ptz.presets.set('2', { token: '2', name: '东门路口', position: { x: 0.5, y: -0.1, zoom: 0.3 } });
    return { camera, discovery: host.discoveryAddress!, close: () => host.close() };
  } catch (err) {
    await host.close();
    throw err;
  }
}

/** Adds cam-onvif-01 from the camera when it is not registered yet (an engineer's later edits are kept on restart). */
export async function addDemoOnvifChannel(registry: RegistryService, camera: OnvifDeviceSim, timeoutMs: number): Promise<'added' | 'present'> {
  if (await registry.getStored('channels', CHANNEL.id)) return 'present';
  const address = { host: camera.host, port: camera.port, ...CAMERA };
  const found = await inspectCamera(address, { client: (target, opts) => onvifClient(target, opts), timeoutMs }, undefined, undefined, deviceServiceUrl(camera.host, camera.port));
  await registry.create('channels', channelInput(found.xaddr, address, found.facts, found.streams, CHANNEL), { keyId: null, name: 'demo', role: null });
  return 'added';
}
