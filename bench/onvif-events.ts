// Camera events from many ONVIF cameras into incidents: N simulated cameras
// (test/sim/onvif, one HTTP port each), added as channels (video off: each
// event's snapshot is the camera's snapshot URI), one PullPoint subscription
// each; then every camera emits one tamper event at a random moment within a
// window, and the time from the camera's emit to the incident.created event
// of the door is measured (p50, p95, max). A gateway in this process.
//   node --import tsx bench/onvif-events.ts [cameras] [windowSeconds]
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestGateway } from '../test/helpers/gateway.ts';
import { OnvifSimHost, simEvents } from '../test/sim/onvif/index.ts';

const CAMERAS = Number(process.argv[2] ?? 500);
const WINDOW_S = Number(process.argv[3] ?? 10);
const PASSWORD = 'Bench-Events-Pw-1';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

const sims = await OnvifSimHost.start({ discovery: false });
for (let n = 0; n < CAMERAS; n++) {
  await sims.addDevice({ name: `ev-${n}`, serial: `EV-${n}`, username: 'admin', password: PASSWORD, rtsp: { main: `rtsp://127.0.0.1:9/e${n}/main`, sub: `rtsp://127.0.0.1:9/e${n}/sub` } });
}
const t = await startTestGateway({ argv: ['--log.level', 'warn', '--onvif.import.concurrency', '16'] });
try {
  let started = performance.now();
  const rows = sims.all().map((d, i) => ({ kind: 'onvif', name: `事件 ${i}`, host: '127.0.0.1', port: d.port, username: 'admin', password: PASSWORD }));
  const imported = await t.call('engineer', { method: 'POST', url: '/api/import?entity=channels&mode=valid', payload: rows });
  const importMs = performance.now() - started;
  const written = (imported.json() as { written: number }).written;

  started = performance.now();
  const subscribed = async () => {
    const res = await t.call('admin', { method: 'GET', url: '/api/onvif/events/status' });
    return (res.json() as { items: Array<{ state: string }> }).items.filter((s) => s.state === 'subscribed').length;
  };
  while ((await subscribed()) < written && performance.now() - started < 120_000) await sleep(250);
  const subscribeMs = performance.now() - started;
  const subscriptions = await subscribed();

  // Channel id by device port: the channel's onvif.xaddr names it.
  const channels = new Map<string, number>();
  const list = await t.call('admin', { method: 'GET', url: '/api/channels?limit=1000' });
  for (const c of (list.json() as { items: Array<{ id: string; onvif?: { xaddr: string } }> }).items) {
    if (c.onvif) channels.set(c.id, Number(new URL(c.onvif.xaddr).port));
  }
  const emittedAt = new Map<number, number>();
  const latencies: number[] = [];
  const done = new Promise<void>((resolve) => {
    t.gw.incidents.service.bus.on('event', (e) => {
      if (e.type !== 'incident.created') return;
      const source = e.payload.source as { kind?: string; id?: string } | undefined;
      const port = source?.kind === 'onvif' && source.id ? channels.get(source.id) : undefined;
      const at = port === undefined ? undefined : emittedAt.get(port);
      if (at === undefined) return;
      latencies.push(performance.now() - at);
      if (latencies.length === subscriptions) resolve();
    });
  });
  await Promise.all(sims.all().map(async (d) => {
    await sleep(Math.random() * WINDOW_S * 1000);
    emittedAt.set(d.port, performance.now());
    d.emit(simEvents.tamper(true));
  }));
  await Promise.race([done, sleep(60_000)]);
  latencies.sort((a, b) => a - b);
  console.log(JSON.stringify({
    bench: 'onvif-events',
    cameras: CAMERAS,
    import: { written, ms: Math.round(importMs) },
    subscriptions: { subscribed: subscriptions, ms: Math.round(subscribeMs) },
    events: {
      emitted: CAMERAS, windowSeconds: WINDOW_S, incidents: latencies.length,
      eventToIncidentMs: { p50: Math.round(percentile(latencies, 50)), p95: Math.round(percentile(latencies, 95)), max: Math.round(latencies.at(-1) ?? NaN) },
      note: 'emit at the simulated camera → PullMessages answer → snapshot fetched from the camera → stored → incident.created on the bus',
    },
  }, null, 2));
} finally {
  await t.stop();
  await sims.close();
}
