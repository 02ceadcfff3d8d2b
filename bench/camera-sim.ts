// The camera simulator for the video benchmarks: in its own process, so its
// CPU is not counted as the gateway's; one 720p25 H.264 RTSP path, `cam`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Started and serving `rtsp://127.0.0.1:<port>/<path>` (default `cam`, the 720p clip). */
export async function startSim(port: number, clip = 'h264-720p', path = 'cam'): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/sim/run.ts', '--port', String(port), '--paths', path, '--clip', clip], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  while (!out.includes('rtsp://')) {
    if (proc.exitCode !== null) throw new Error('simulator exited');
    await new Promise((r) => setTimeout(r, 100));
  }
  return proc;
}
