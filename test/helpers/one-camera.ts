// A video gateway listening on a real port with one always-on RTSP camera
// (`cam-1`, the simulator's 360p H.264) online: the set-up of the media tests.
import assert from 'node:assert/strict';
import { startCameraSimulator, type CameraSimulator } from '../sim/camera-sim.ts';
import type { TestGateway } from './gateway.ts';
import { CLIP_DIR, startVideoGateway, statusOf, waitFor } from './video.ts';

export interface OneCamera {
  sim: CameraSimulator;
  t: TestGateway;
  /** http://127.0.0.1:<port> */
  base: string;
}

export async function startOneCameraGateway(): Promise<OneCamera> {
  const sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'cam', clip: 'h264-360p' }] });
  await sim.waitReady('cam', 60_000);
  const t = await startVideoGateway();
  const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const res = await t.call('engineer', { method: 'POST', url: '/api/channels', payload: { id: 'cam-1', name: 'cam-1', kind: 'rtsp', source: { url: sim.url('cam') }, mode: 'always-on' } });
  assert.equal(res.statusCode, 201, res.body);
  await waitFor(async () => (await statusOf(t, 'cam-1')).state === 'online' || undefined, 30_000, 'cam-1 online');
  return { sim, t, base };
}
