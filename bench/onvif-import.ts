// Adding ONVIF cameras in bulk: 500 simulated cameras (test/sim/onvif, each on
// its own loopback address as 500 hosts would be, WS-UsernameToken digest) discovered over WS-Discovery, then
// imported as kind=onvif rows through POST /api/import (each camera read:
// GetSystemDateAndTime, GetDeviceInformation, GetCapabilities, GetServices,
// GetProfiles, GetStreamUri and GetSnapshotUri per profile; then one
// transaction). One row in 50 has a wrong password: those fail with their
// field, the rest are written (mode=valid). A gateway in this process.
//   node --import tsx bench/onvif-import.ts [cameras] [concurrency]
import { performance } from 'node:perf_hooks';
import { startTestGateway } from '../test/helpers/gateway.ts';
import { OnvifSimHost } from '../test/sim/onvif/index.ts';

const CAMERAS = Number(process.argv[2] ?? 500);
const CONCURRENCY = Number(process.argv[3] ?? 8);
const PASSWORD = 'Bench-Onvif-Pw-1';
const WRONG_EVERY = 50;

const sims = await OnvifSimHost.start({ addressPerDevice: true });
for (let n = 0; n < CAMERAS; n++) {
  await sims.addDevice({ name: `bench-${n}`, serial: `BENCH-${n}`, username: 'admin', password: PASSWORD, rtsp: { main: `rtsp://127.0.0.1:9/b${n}/main`, sub: `rtsp://127.0.0.1:9/b${n}/sub` } });
}
const responder = sims.discoveryAddress!;
const t = await startTestGateway({
  // Discovery keeps its default bounds (4 per host, 2000 in all): every camera answers from its own address.
  argv: ['--log.level', 'warn', '--onvif.import.concurrency', String(CONCURRENCY), '--onvif.discovery.unicastTo', `[{host: ${responder.host}, port: ${responder.port}}]`],
});
try {
  let started = performance.now();
  const discovered = await t.call('engineer', { method: 'POST', url: '/api/onvif/discover', payload: { timeoutMs: 5000 } });
  const found = (discovered.json() as { devices: unknown[] }).devices.length;
  const discoveryMs = performance.now() - started;

  const rows = sims.all().map((d, i) => ({ kind: 'onvif', name: `批量 ${i}`, host: d.host, port: d.port, username: 'admin', password: i % WRONG_EVERY === WRONG_EVERY - 1 ? 'wrong' : PASSWORD, enabled: false }));
  started = performance.now();
  const res = await t.call('engineer', { method: 'POST', url: '/api/import?entity=channels&mode=valid', payload: rows });
  const importMs = performance.now() - started;
  const report = res.json() as { written: number; invalid: number; rows: Array<{ errors?: Array<{ field: string }> }> };
  const failuresByField: Record<string, number> = {};
  for (const r of report.rows) for (const e of r.errors ?? []) failuresByField[e.field] = (failuresByField[e.field] ?? 0) + 1;
  console.log(JSON.stringify({
    bench: 'onvif-import',
    cameras: CAMERAS,
    discovery: { found, ms: Math.round(discoveryMs), note: 'timeoutMs 5000 is waited out in full (answers are collected until it ends)' },
    import: {
      status: res.statusCode, concurrency: CONCURRENCY, written: report.written, failed: report.invalid, failuresByField,
      ms: Math.round(importMs), perCameraMs: Number((importMs / CAMERAS).toFixed(2)), camerasPerSecond: Number(((CAMERAS * 1000) / importMs).toFixed(1)),
    },
  }, null, 2));
} finally {
  await t.stop();
  await sims.close();
}
