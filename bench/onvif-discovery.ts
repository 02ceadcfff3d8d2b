// Discovering 500 ONVIF cameras over WS-Discovery, on loopback only: 500
// simulated cameras (test/sim/onvif), each on its own loopback address
// (127.0.1.1, 127.0.1.2 …) and answering from it, as 500 hosts would; each
// answers twice (SOAP-over-UDP lets a sender repeat a datagram), so half the
// matches are duplicates to merge. Beside them one flooding host (127.0.0.1)
// answers every probe 50 times with made-up endpoints: maxPerHost bounds it.
// Probes go unicast; nothing leaves loopback. Three runs:
//   1. the library, Probe to the simulators' responders (unicastTo): found, time to the
//      last new device, duplicates merged, flood ignored, memory;
//   2. the library, every address of the cameras' range probed (onvif.discovery.ranges:
//      what finds cameras behind routers; each camera answers at its own address);
//   3. the product route POST /api/onvif/discover of a gateway in this process, set up
//      with the range and the flooder, after importing some of the cameras, so their
//      `registered` flags are checked.
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

const cameras = await OnvifSimHost.start({ addressPerDevice: true, discoveryPerDevice: true, discovery: { flood: 2 } });
const flooder = await OnvifSimHost.start({ discovery: { flood: FLOOD, floodDistinct: true } });
for (let n = 0; n < CAMERAS; n++) {
  await cameras.addDevice({ name: `bench-${n}`, serial: `BENCH-${n}`, username: 'admin', password: PASSWORD, rtsp: { main: `rtsp://127.0.0.1:9/d${n}/main` } });
}
await flooder.addDevice({ name: 'flooder', username: 'admin', password: PASSWORD, rtsp: { main: 'rtsp://127.0.0.1:9/flood/main' } });
const range = `${cameras.all()[0]!.host}-${cameras.all().at(-1)!.host}`;
const gateway = await startTestGateway({
  // The helper keeps the multicast Probe on 127.0.0.1 (onvif.discovery.interfaces); the rest is unicast on loopback.
  argv: ['--log.level', 'warn', '--onvif.discovery.maxPerHost', String(MAX_PER_HOST), '--onvif.discovery.unicastTo', JSON.stringify([flooder.discoveryAddress]),
    '--onvif.discovery.ranges', JSON.stringify([range]), '--onvif.discovery.rangePort', String(cameras.rangePort)],
});
try {
  const simulated = new Set(cameras.all().map((d) => d.endpoint));
  const library = async (how: { unicastTo: Array<{ host: string; port: number }>; ranges?: string[]; rangePort?: number }) => {
    const heapBefore = heapMiB();
    const started = performance.now();
    const report = await discoverWithReport({ timeoutMs: TIMEOUT_MS, interfaces: [], maxPerHost: MAX_PER_HOST, maxDevices: 2000, ...how });
    const tookMs = performance.now() - started;
    const heapPeak = process.memoryUsage().heapUsed / 2 ** 20;
    const heapRetained = heapMiB(); // the report still held
    return {
      found: report.devices.length, camerasFound: report.devices.filter((d) => simulated.has(d.endpoint)).length,
      fromFlooder: report.devices.filter((d) => d.address === flooder.discoveryAddress!.host).length,
      duplicatesMerged: report.duplicates, ignored: report.ignored, malformed: report.malformed,
      lastNewDeviceMs: report.lastFoundMs, tookMs: Math.round(tookMs),
      memory: { heapDeltaMiB: mib(heapPeak - heapBefore), heapRetainedMiB: mib(heapRetained - heapBefore), rssMiB: mib(process.memoryUsage().rss / 2 ** 20) },
    };
  };
  // 1. The library, to the responders.
  const toResponders = await library({ unicastTo: [cameras.discoveryAddress!, flooder.discoveryAddress!] });
  // 2. The library, the cameras' address range (and the flooder).
  const byRange = await library({ unicastTo: [flooder.discoveryAddress!], ranges: [range], rangePort: cameras.rangePort });

  // 3. The product route, some cameras registered first (bulk import of kind=onvif rows).
  const picked = cameras.all().slice(0, REGISTERED);
  const imported = await gateway.call('engineer', {
    method: 'POST', url: '/api/import?entity=channels&mode=valid',
    payload: picked.map((d, i) => ({ kind: 'onvif', name: `已登记 ${i}`, host: d.host, port: d.port, username: 'admin', password: PASSWORD, enabled: false })),
  });
  const started = performance.now();
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
      note: 'tookMs includes the timeout waited out after the last Probe; lastNewDeviceMs is when the last camera was found. Memory is process-wide: the simulated cameras and a gateway share this process',
      gc: Boolean(gc),
      toResponders,
      byRange: { range, rangePort: cameras.rangePort, ...byRange },
    },
    route: {
      config: { ranges: [range], unicastTo: 'the flooder' },
      status: res.statusCode, found: answer.devices.length, tookMs: answer.tookMs, roundTripMs: Math.round(routeMs),
      imported: { status: imported.statusCode, written: (imported.json() as { written?: number }).written },
      registered: answer.devices.filter((d) => d.registered !== null).length, registeredFlagsRight: flaggedRight,
    },
    responders: { shared: cameras.discovery?.counts, flooder: flooder.discovery?.counts },
  }, null, 2));
} finally {
  await gateway.stop();
  await cameras.close();
  await flooder.close();
}
