// `npm run bench`: every benchmark in turn, each printing its JSON figures.
//   npm run bench [-- video-channels gb28181 …]   (default: all)
import { spawnSync } from 'node:child_process';

const ALL = ['video-channels', 'live-latency', 'incidents', 'detection', 'sensors', 'gb28181', 'wall', 'cluster', 'jetstream', 'cluster-incidents', 'pg-restart', 'gb28181-failover', 'gb28181-cascade', 'gb28181-upward', 'gb28181-upward-load', 'evidence', 'nats-loss', 'video-quality', 'wall-stall', 'wall-substreams', 'recording', 'recording-playback', 'recording-capacity', 'detection-cost', 'scope', 'map', 'dashboard', 'big-screen', 'onvif-import'];
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
let failed = 0;
for (const name of chosen) {
  if (!ALL.includes(name)) throw new Error(`unknown benchmark ${name}; one of ${ALL.join(', ')}`);
  process.stderr.write(`bench: ${name}\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
