// Runs the camera simulator by hand until Ctrl-C:
//   node --import tsx test/sim/run.ts --port 8554 --paths demo-1,demo-2,demo-3
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLIP_KINDS, type ClipKind } from './clips.ts';
import { startCameraSimulator } from './camera-sim.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8554' },
    host: { type: 'string', default: '127.0.0.1' },
    paths: { type: 'string', default: 'demo-1' },
    clip: { type: 'string', default: 'h264-720p' },
    'clip-dir': { type: 'string', default: join(tmpdir(), 'city-gw-sim-clips') },
    user: { type: 'string' },
    pass: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

const clip = values.clip as ClipKind;
if (!CLIP_KINDS.includes(clip)) {
  process.stderr.write(`--clip must be one of ${CLIP_KINDS.join(', ')}\n`);
  process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be a TCP port, got "${values.port}"\n`);
  process.exit(2);
}
if ((values.user === undefined) !== (values.pass === undefined)) {
  process.stderr.write('--user and --pass go together\n');
  process.exit(2);
}

const paths = values.paths.split(',').map((p) => p.trim()).filter(Boolean);
const credentials = values.user !== undefined ? { username: values.user, password: values.pass ?? '' } : undefined;
const sim = await startCameraSimulator({
  port,
  host: values.host,
  clipDir: values['clip-dir'],
  streams: paths.map((path) => ({ path, clip })),
  credentials,
  log: values.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
});
await Promise.all(paths.map((p) => sim.waitReady(p)));
process.stdout.write(`camera simulator on port ${sim.port} (${clip}); Ctrl-C to stop\n`);
for (const path of paths) process.stdout.write(`  ${sim.url(path, credentials !== undefined)}\n`);

let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  sim.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`stopping the simulator failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
