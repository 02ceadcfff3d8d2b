// Discovering 500 ONVIF cameras over WS-Discovery, on loopback only: 500
// simulated cameras (test/sim/onvif), each on its own loopback address
// (127.0.1.1, 127.0.1.2 …) and answering from it, as 500 hosts would; each
// answers twice (SOAP-over-UDP lets a sender repeat a datagram), so half the
// matches are duplicates to merge. Beside them one flooding host (127.0.0.1)
// answers every probe 50 times with made-up endpoints: maxPerHost bounds it.
// Probes go unicast to the simulators' responders; nothing leaves loopback.
//   1. the library: discoverWithReport (found, time to the last new device, duplicates, ignored, memory);
//   2. the product route POST /api/onvif/discover of a gateway in this process
//      (onvif.discovery.unicastTo pointed at the responders), after importing
//      some of the cameras, so their `registered` flags are checked.
//   node --import tsx --expose-gc bench/onvif-discovery.ts [cameras] [registered]
import { performance } from 'node:perf_hooks';
import { discoverWithReport } from '../gateway/onvif/discovery.ts';
import { startTestGateway } from '../test/helpers/gateway.ts';
import { OnvifSimHost } from '../test/sim/onvif/index.ts';

const CAMERAS = Number(process.argv[2] ?? 500);
const REGISTERED = Number(process.argv[3] ?? 20);
const FLOOD = 50;
const MAX_PER_HOST = 4;
const TIMEOUT_MS = 5000;
const PASSWORD = 'Bench-Onvif-Pw-1';

const gc = (globalThis as { gc?: () => void }).gc;
const heapMiB = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const mib = (n: number) => Number(n.toFixed(1));

const cameras = await OnvifSimHost.start({ addressPerDevice: true, discovery: { flood: 2 } });
const flooder = await OnvifSimHost.start({ discovery: { flood: FLOOD, floodDistinct: true } });
const gateway = await startTestGateway({
  // The helper keeps the multicast Probe on 127.0.0.1 (onvif.discovery.interfaces); the responders are reached by unicast.
  argv: ['--log.level', 'warn', '--onvif.discovery.maxPerHost', String(MAX_PER_HOST),
    '--onvif.discovery.unicastTo', JSON.stringify([cameras.discoveryAddress, flooder.discoveryAddress])],
});
try {
  for (let n = 0; n < CAMERAS; n++) {
    await cameras.addDevice({ name: `bench-${n}`, serial: `BENCH-${n}`, username: 'admin', password: PASSWORD, rtsp: { main: `rtsp://127.0.0.1:9/d${n}/main` } });
  }
  await flooder.addDevice({ name: 'flooder', username: 'admin', password: PASSWORD, rtsp: { main: 'rtsp://127.0.0.1:9/flood/main' } });
  const targets = [cameras.discoveryAddress!, flooder.discoveryAddress!];

  // 1. The library.
  const heapBefore = heapMiB();
  const rssBefore = process.memoryUsage().rss / 2 ** 20;
  let started = performance.now();
  const report = await discoverWithReport({ timeoutMs: TIMEOUT_MS, interfaces: [], unicastTo: targets, maxPerHost: MAX_PER_HOST, maxDevices: 2000 });
  const libraryMs = performance.now() - started;
  const heapPeak = process.memoryUsage().heapUsed / 2 ** 20;
  const heapRetained = heapMiB(); // the report still held
  const simulated = new Set(cameras.all().map((d) => d.endpoint));
  const realFound = report.devices.filter((d) => simulated.has(d.endpoint)).length;
  const fromFlooder = report.devices.filter((d) => d.address === flooder.discoveryAddress!.host).length;

  // 2. The product route, some cameras registered first (bulk import of kind=onvif rows).
  const picked = cameras.all().slice(0, REGISTERED);
  const imported = await gateway.call('engineer', {
    method: 'POST', url: '/api/import?entity=channels&mode=valid',
    payload: picked.map((d, i) => ({ kind: 'onvif', name: `已登记 ${i}`, host: d.host, port: d.port, username: 'admin', password: PASSWORD, enabled: false })),
  });
  started = performance.now();
  const res = await gateway.call('engineer', { method: 'POST', url: '/api/onvif/discover', payload: { timeoutMs: TIMEOUT_MS } });
  const routeMs = performance.now() - started;
  const answer = res.json() as { devices: Array<{ endpoint: string; host?: string; registered: string | null }>; tookMs: number };
  const pickedHosts = new Set(picked.map((d) => d.endpoint));
  const flaggedRight = answer.devices.filter((d) => (d.registered !== null) === pickedHosts.has(d.endpoint)).length;

  console.log(JSON.stringify({
    bench: 'onvif-discovery',
    cameras: CAMERAS,
    setup: {
      addresses: `127.0.1.1 … (one loopback address per camera, ${CAMERAS} senders)`, answersPerCamera: 2,
      flooder: { host: flooder.discoveryAddress!.host, answers: FLOOD, distinctEndpoints: true }, maxPerHost: MAX_PER_HOST, timeoutMs: TIMEOUT_MS,
    },
    library: {
      found: report.devices.length, camerasFound: realFound, fromFlooder, duplicatesMerged: report.duplicates, ignored: report.ignored, malformed: report.malformed,
      lastNewDeviceMs: report.lastFoundMs, tookMs: Math.round(libraryMs), note: 'tookMs is the timeout waited out; lastNewDeviceMs is when the last camera was found',
      memory: { heapDeltaMiB: mib(heapPeak - heapBefore), heapRetainedMiB: mib(heapRetained - heapBefore), rssMiB: mib(process.memoryUsage().rss / 2 ** 20), rssBeforeMiB: mib(rssBefore), gc: Boolean(gc), note: `process-wide: ${CAMERAS} simulated cameras and a gateway share this process` },
    },
    route: {
      status: res.statusCode, found: answer.devices.length, tookMs: answer.tookMs, roundTripMs: Math.round(routeMs),
      imported: { status: imported.statusCode, written: (imported.json() as { written?: number }).written },
      registered: answer.devices.filter((d) => d.registered !== null).length, registeredFlagsRight: flaggedRight,
    },
    responders: { cameras: cameras.discovery?.counts, flooder: flooder.discovery?.counts },
  }, null, 2));
} finally {
  await gateway.stop();
  await cameras.close();
  await flooder.close();
}
