// Sensor ingestion benchmark (prints JSON). In one run, with the same load
// process (1,000 mqtt.js clients, QoS 1, a window of publishes in flight per
// client, its own process so it has its own core):
//   1. bare aedes with no processing: publishes acknowledged per second
//      (run before and after the gateway; the better run counts);
//   2. the gateway's sensor room (auth from the registry, ACL, limits, JSON
//      validation, live state, rules, SQLite group commit before the PUBACK):
//      readings per second received → validated → evaluated → stored;
//   3. latency from a threshold-crossing publish to the incident candidate
//      reaching raise(): under that saturating load, at a paced 35 readings/s
//      per sensor (the issue's 35,000/s target), and on an idle gateway.
//   node --import tsx bench/sensors.ts [--sensors 1000] [--seconds 10] [--window 10] [--paced 35]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import { connect, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { ApiKeys, RegistryService, SqliteRegistryStore, type Change } from '../device-registry/index.ts';
import { SENSORS_DEFAULTS, type SensorsConfig } from '../gateway/sensors/config.ts';
import { startSensors } from '../gateway/sensors/index.ts';
import { merge } from '../gateway/sensors/test/harness.ts';
import { percentile, round } from './proc.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SENSORS = arg('sensors', 1000);
const SECONDS = arg('seconds', 10);
const WINDOW = arg('window', 10);
const PACED = arg('paced', 35);
const PASSWORD = 'bench-sensor-password';
const PAYLOAD = JSON.stringify({ readings: [{ n: 'ch4', v: 5.5, u: '%LEL' }] });

interface LoadResult { connected: number; acked: number; seconds: number; errors: number }

// ---- the load process -------------------------------------------------------
/** Saturating (a window of publishes in flight per client) or, with `rate`, paced publishes per client per second. */
async function load(url: string, n: number, seconds: number, window: number, rate: number): Promise<LoadResult> {
  const clients: MqttClient[] = [];
  let errors = 0;
  for (let i = 0; i < n; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, k) => new Promise<void>((resolve) => {
      const id = `s${i + k}`;
      const c = connect(url, { clientId: id, username: id, password: PASSWORD, reconnectPeriod: 0, connectTimeout: 30_000 });
      c.once('connect', () => (clients.push(c), resolve()));
      c.once('error', () => (errors++, resolve()));
    })));
  }
  let acked = 0;
  let running = true;
  process.send?.({ started: true }); // the parent probes latency while this load runs
  const start = performance.now();
  const timers: NodeJS.Timeout[] = [];
  for (const c of clients) {
    const topic = `sensors/${c.options.clientId}/telemetry`;
    if (rate > 0) {
      const send = () => c.publish(topic, PAYLOAD, { qos: 1 }, (err) => (err ? errors++ : acked++));
      timers.push(setTimeout(() => timers.push(setInterval(send, 1000 / rate)), Math.random() * (1000 / rate)));
      continue;
    }
    let inflight = 0;
    const pump = () => {
      while (running && inflight < window) {
        inflight++;
        c.publish(topic, PAYLOAD, { qos: 1 }, (err) => {
          inflight--;
          if (err) errors++;
          else acked++;
          pump();
        });
      }
    };
    pump();
  }
  await new Promise((r) => setTimeout(r, seconds * 1000));
  running = false;
  timers.forEach((t) => clearInterval(t));
  const result = { connected: clients.length, acked, seconds: (performance.now() - start) / 1000, errors };
  await Promise.all(clients.map((c) => c.endAsync(true)));
  return result;
}

/** The load process: `started` once its clients are connected and publishing, `done` with its counts. */
function runLoad(url: string, rate = 0): { started: Promise<void>; done: Promise<LoadResult> } {
  const child = fork(fileURLToPath(import.meta.url), ['--load', url, String(SENSORS), String(SECONDS), String(WINDOW), String(rate)], { execArgv: ['--import', 'tsx'] });
  let started!: () => void;
  const startedP = new Promise<void>((r) => (started = r));
  const done = new Promise<LoadResult>((resolve, reject) => {
    child.on('message', (m: LoadResult | { started: true }) => ('started' in m ? started() : resolve(m)));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`load process exited with ${code}`)));
  });
  return { started: startedP, done };
}

// ---- the measured brokers ----------------------------------------------------
async function bareAedes() {
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const r = await runLoad(`mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`).done;
  await new Promise<void>((done) => aedes.close(() => done()));
  await new Promise<void>((done) => server.close(() => done()));
  return { connected: r.connected, publishesPerSecond: Math.round(r.acked / r.seconds), errors: r.errors };
}

/** A registry with n sensors sharing one password hash (scrypt once, not n times). */
async function seedRegistry(dir: string) {
  const store = new SqliteRegistryStore(join(dir, 'registry.db'));
  const registry = new RegistryService(store);
  const desc = registry.descriptor('sensors');
  const input = (id: string) => ({ id, name: id, kind: 'gas', mqtt: { clientId: id, username: id, password: PASSWORD }, unit: '%LEL' });
  const first = desc.prepare(input('s0'), 's0', undefined);
  const changes: Change[] = [];
  for (const id of [...Array.from({ length: SENSORS }, (_, i) => `s${i}`), 'probe']) {
    const doc = { ...first.doc, id, name: id, mqtt: { clientId: id, username: id }, topic: `sensors/${id}/telemetry` };
    changes.push({ op: 'insert', entity: 'sensors', id, columns: { ...first.columns, name: id, altKey: `mqtt:${id}` }, doc, secret: first.secret });
  }
  await store.apply(changes, []);
  return { store, registry };
}

function waitForRaise(raised: Map<number, (at: number) => void>, seq: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no candidate within 5 s')), 5000);
    raised.set(seq, (at) => (clearTimeout(timer), resolve(at)));
  });
}

/** Crossing → candidate latencies from a probe sensor in this process (one clock). */
/** Probes `count` times, or until `until` settles. */
async function probeLatency(url: string, raised: Map<number, (at: number) => void>, count: number, state: { seq: number }, until?: Promise<unknown>): Promise<number[]> {
  let over = false;
  void until?.then(() => (over = true));
  const probe = connect(url, { clientId: 'probe', username: 'probe', password: PASSWORD, reconnectPeriod: 0 });
  await new Promise<void>((r, j) => (probe.once('connect', () => r()), probe.once('error', j)));
  const out: number[] = [];
  for (let i = 0; until ? !over : i < count; i++) {
    state.seq++;
    const fired = waitForRaise(raised, state.seq);
    const t0 = performance.now();
    probe.publish('sensors/probe/telemetry', JSON.stringify({ readings: [{ n: 'ch4', v: 30 }] }), { qos: 0 });
    out.push((await fired) - t0);
    state.seq++;
    const cleared = waitForRaise(raised, state.seq);
    probe.publish('sensors/probe/telemetry', JSON.stringify({ readings: [{ n: 'ch4', v: 2 }] }), { qos: 0 });
    await cleared;
    await new Promise((r) => setTimeout(r, 20));
  }
  await probe.endAsync(true);
  return out;
}

async function gateway() {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-sensors-'));
  const { store, registry } = await seedRegistry(dir);
  const keys = new ApiKeys(store, registry.events);
  const raised = new Map<number, (at: number) => void>();
  const state = { seq: 0 };
  const config: SensorsConfig = merge(SENSORS_DEFAULTS, {
    broker: { host: '127.0.0.1', port: 0, limits: { messagesPerSecond: 1e6, burst: 1e6 } },
    kinds: { gas: { rules: { ch4: { above: 20, recover: 10, forSeconds: 0, severity: 'critical', types: { above: 'gas_leak' } } } } },
  });
  const room = await startSensors(config, {
    registry, keys, dataDir: dir, log: pino({ level: 'error' }), // stdout is for the JSON
    raise: async (c) => {
      if (c.source.id === 'probe') raised.get(state.seq)?.(performance.now());
    },
  });
  const url = `mqtt://127.0.0.1:${room.ports.mqtt}`;
  await probeLatency(url, raised, 5, state); // warm-up: worker thread, caches, JIT
  const phase = async (rate: number) => {
    const loop = monitorEventLoopDelay({ resolution: 5 });
    const before = room.ingest.totals.stored;
    const loaded = runLoad(url, rate);
    await loaded.started;
    loop.enable(); // from here: the logins are done, the load runs
    await new Promise((r) => setTimeout(r, 500)); // let the load settle
    const latencies = await probeLatency(url, raised, 0, state, loaded.done);
    const r = await loaded.done;
    const stored = room.ingest.totals.stored - before - latencies.length * 2;
    loop.disable();
    const eventLoopDelayMs = { p99: round(loop.percentile(99) / 1e6), max: round(loop.max / 1e6) };
    return { r, latencies, readingsPerSecond: Math.round(stored / r.seconds), eventLoopDelayMs };
  };
  const t0 = performance.now();
  const saturated = await phase(0);
  const r = saturated.r;
  const underLoad = saturated.latencies;
  const wallSeconds = round((performance.now() - t0) / 1000, 1);
  const paced = PACED > 0 ? await phase(PACED) : undefined;
  const idle = await probeLatency(url, raised, 100, state);
  const sink = room.sink.stats();
  await room.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    connected: r.connected,
    ackedPerSecond: Math.round(r.acked / r.seconds),
    readingsPerSecond: saturated.readingsPerSecond,
    wallSeconds,
    errors: r.errors,
    sink: { name: 'sqlite', rows: sink.rows, commits: sink.commits, rowsPerCommit: round(Number(sink.rows) / Number(sink.commits), 1) },
    latencyMs: {
      saturated: { ...stats(underLoad), eventLoopDelayMs: saturated.eventLoopDelayMs },
      ...(paced ? { paced: { offeredPerSecond: SENSORS * PACED, ackedPerSecond: Math.round(paced.r.acked / paced.r.seconds), readingsPerSecond: paced.readingsPerSecond, ...stats(paced.latencies), eventLoopDelayMs: paced.eventLoopDelayMs } } : {}),
      idle: stats(idle),
    },
  };
}

const stats = (xs: number[]) => ({ n: xs.length, p50: round(percentile(xs, 50)), p99: round(percentile(xs, 99)), max: round(Math.max(...xs)) });

if (process.argv[2] === '--load') {
  const [url, n, seconds, window, rate] = process.argv.slice(3);
  const r = await load(url!, Number(n), Number(seconds), Number(window), Number(rate));
  process.send?.(r, () => process.exit(0));
} else {
  const startedAt = new Date().toISOString();
  // Bare aedes before and after the gateway (a cold first run would flatter the ratio); the better one counts.
  const bare1 = await bareAedes();
  const gw = await gateway();
  const bare2 = await bareAedes();
  const bare = { ...(bare1.publishesPerSecond >= bare2.publishesPerSecond ? bare1 : bare2), runs: [bare1.publishesPerSecond, bare2.publishesPerSecond] };
  process.stdout.write(`${JSON.stringify({
    bench: 'sensors',
    command: `node --import tsx bench/sensors.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
    startedAt,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    load: { sensors: SENSORS, seconds: SECONDS, qos: 1, inFlightPerClient: WINDOW, payload: PAYLOAD },
    bareAedes: bare,
    gateway: gw,
    ratio: round(gw.readingsPerSecond / bare.publishesPerSecond, 2),
    targets: { ratio: 0.6, readingsPerSecond: 35000, p99Ms: 100 },
  }, null, 2)}\n`);
}
