// For tests that stop, kill and restart a real gateway process: one 360p
// simulated camera (`cam`) for the whole file, and at the end whichever
// gateway the tests left running stopped and the data directory removed.
import { rmSync } from 'node:fs';
import { after, before } from 'node:test';
import type { GatewayProcess } from './process.ts';
import { CLIP_DIR } from './video.ts';
import { startCameraSimulator, type CameraSimulator } from '../sim/camera-sim.ts';

export function restartFixture(dataDir: string, running: () => GatewayProcess | undefined): { cameraUrl(): string } {
  let sim: CameraSimulator | undefined;
  before(async () => {
    sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'cam', clip: 'h264-360p' }] });
    await sim.waitReady('cam', 60_000);
  });
  after(async () => {
    const gw = running();
    if (gw && gw.proc.exitCode === null) {
      gw.proc.kill('SIGTERM');
      await gw.exit;
    }
    await sim?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { cameraUrl: () => sim!.url('cam') };
}
