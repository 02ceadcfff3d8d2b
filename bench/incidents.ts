// Incident door benchmark: durable new incidents per second and dedupe hits
// per second at the door and over HTTP, and fan-out latency to 50 SSE
// subscribers in another process.
//   node --import tsx bench/incidents.ts [--count 20000]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../gateway/config/load.ts';
import { createGateway } from '../gateway/gateway.ts';
import { round } from './proc.ts';

const { values } = parseArgs({ options: { count: { type: 'string', default: '20000' }, subscribers: { type: 'string', default: '50' }, events: { type: 'string', default: '200' } } });
const COUNT = Number(values.count);
const SUBSCRIBERS = Number(values.subscribers);
const EVENTS = Number(values.events);
const dataDir = mkdtempSync(join(tmpdir(), 'bench-incidents-'));
const config = loadConfig({ argv: ['--dataDir', dataDir, '--http.port', '0', '--sensors.enabled', 'false', '--video.enabled', 'false', '--log.level', 'warn'], env: {}, cwd: process.cwd() });
const gw = await createGateway(config, pino({ level: 'warn' }, pino.destination(2)), process.stderr);
const base = await gw.app.listen({ host: '127.0.0.1', port: 0 });
const key = (await gw.keys.create({ name: 'bench', role: 'admin' }, { keyId: null, name: 'bench', role: null })).secret;
await gw.service.create('grids', { code: 'G', name: 'g', level: 'grid', polygon: { type: 'Polygon', coordinates: [[[121, 31], [122, 31], [122, 32], [121, 32], [121, 31]]] } }, { keyId: null, name: 'bench', role: null });
const candidate = (i: number, dedupe: string) => ({
  source: { kind: 'sensor' as const, id: `s-${i}` }, type: 'gas_leak', severity: 'major' as const, occurredAt: Date.now(),
  location: { lat: 31.5, lng: 121.5 }, evidence: { readings: [{ ts: Date.now(), metric: 'ch4', value: 25, unit: '%LEL' }] }, dedupeKey: dedupe,
});

const rate = async (n: number, fn: (i: number) => Promise<unknown>) => {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn(i);
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
};
const doorNew = await rate(COUNT, (i) => gw.incidents.raise(candidate(i, `new-${i}`)));
const doorDedupe = await rate(COUNT, (i) => gw.incidents.raise(candidate(i % 100, `new-${i % 100}`)));

// Over HTTP: 16 requests in flight, as many producers would.
const httpRate = async (n: number, body: (i: number) => object) => {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < n) {
      const i = next++;
      const res = await fetch(`${base}/api/incidents`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body(i)) });
      await res.arrayBuffer();
    }
  }));
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
};
const httpNew = await httpRate(COUNT / 4, (i) => ({ type: 'manhole_open', severity: 'major', title: `t${i}`, dedupeKey: `http-${i}`, location: { lat: 31.5, lng: 121.5 } }));

// Fan-out: subscribers in their own process, events raised here at a steady pace.
const sub = spawn(process.execPath, ['--import', 'tsx', 'bench/sse-subscribers.ts', base, key, String(SUBSCRIBERS), String(EVENTS)], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
sub.stdout.on('data', (c: Buffer) => (out += c.toString()));
await new Promise((r) => setTimeout(r, 2500)); // let them connect
for (let i = 0; i < EVENTS; i++) {
  await gw.incidents.raise(candidate(i, `fan-${i}`));
  await new Promise((r) => setTimeout(r, 20));
}
await new Promise((r) => sub.once('exit', r));
const fanout = JSON.parse(out) as Record<string, unknown>;

await gw.close();
rmSync(dataDir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({
  benchmark: 'incidents',
  durable: 'each raise is one committed SQLite WAL transaction (incident + flow record + event) before it returns',
  doorNewPerSecond: round(doorNew, 0),
  doorDedupeHitsPerSecond: round(doorDedupe, 0),
  httpNewPerSecond16InFlight: round(httpNew, 0),
  incidentsRaised: COUNT * 2 + COUNT / 4 + EVENTS,
  sseFanout: { subscribers: SUBSCRIBERS, events: EVENTS, ...fanout },
}, null, 2)}\n`);
process.exit(0);
