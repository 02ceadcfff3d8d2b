// Simulated MQTT sensors for tests, the benchmark and the demo: each one a
// real mqtt.js client that logs in with its registry credentials, announces
// itself on its availability topic (birth `online`, LWT `offline`, retained)
// and publishes SenML-style telemetry at a rate, with now and then an
// excursion over its kind's alarm threshold and back.
//
//   node --import tsx test/sim/sensor-sim.ts --url mqtt://127.0.0.1:1883 --config configs/demo.yaml [--interval 2000]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { connect, type MqttClient } from 'mqtt';
import { parse as parseYaml } from 'yaml';

export interface SimSensor {
  id: string;
  clientId: string;
  username: string;
  password: string;
  kind: string;
  /** Default `sensors/{id}/telemetry`. */
  topic?: string;
}

export interface SensorSimOptions {
  url: string;
  sensors: SimSensor[];
  intervalMs: number;
  /** Chance per publish that an excursion over the threshold starts (default 0.01). */
  excursionChance?: number;
  /** How long an excursion lasts (default 30 s). */
  excursionMs?: number;
  qos?: 0 | 1;
}

export interface SensorSimulator {
  stats(): { connected: number; published: number; excursions: number; errors: number };
  /** Starts an excursion on one sensor now (tests, the demo). */
  excursion(id: string): void;
  stop(): Promise<void>;
}

interface Profile {
  metric: string;
  unit?: string;
  base: number;
  noise: number;
  peak: number;
}

/** Normal levels and alarm peaks per kind, matching the default rules in gateway/sensors/config.ts. */
export const PROFILES: Record<string, Profile> = {
  gas: { metric: 'ch4', unit: '%LEL', base: 3, noise: 1, peak: 35 },
  water_level: { metric: 'level', unit: 'm', base: 2.6, noise: 0.03, peak: 3.9 },
  smoke: { metric: 'smoke', base: 0, noise: 0, peak: 1 },
  temperature: { metric: 'temp', unit: 'Cel', base: 28, noise: 0.8, peak: 75 },
  humidity: { metric: 'rh', unit: '%RH', base: 60, noise: 3, peak: 96 },
  manhole: { metric: 'tilt', unit: 'deg', base: 1, noise: 0.3, peak: 30 },
};
const FALLBACK: Profile = { metric: 'value', base: 1, noise: 0.1, peak: 10 };

const topicOf = (s: SimSensor) => s.topic ?? `sensors/${s.id}/telemetry`;
const availabilityOf = (s: SimSensor) => topicOf(s).replace(/\/telemetry$/, '') + '/availability';
const round = (x: number) => Math.round(x * 1000) / 1000;

export async function startSensorSimulator(opts: SensorSimOptions): Promise<SensorSimulator> {
  const counts = { published: 0, excursions: 0, errors: 0 };
  const excursionUntil = new Map<string, number>();
  const clients: MqttClient[] = [];
  const timers: NodeJS.Timeout[] = [];
  const excursionMs = opts.excursionMs ?? 30_000;

  const valueOf = (s: SimSensor, p: Profile, now: number): number => {
    const until = excursionUntil.get(s.id) ?? 0;
    const noise = (Math.random() * 2 - 1) * p.noise;
    if (now >= until) return Math.max(0, p.base + noise);
    // Up to the peak in the first third, hold, down in the last third.
    const t = 1 - (until - now) / excursionMs;
    const shape = t < 1 / 3 ? t * 3 : t > 2 / 3 ? (1 - t) * 3 : 1;
    return Math.max(0, p.base + (p.peak - p.base) * shape + noise);
  };

  const startOne = (s: SimSensor) =>
    new Promise<void>((resolve) => {
      const p = PROFILES[s.kind] ?? FALLBACK;
      const client = connect(opts.url, {
        clientId: s.clientId, username: s.username, password: s.password, reconnectPeriod: 2000, connectTimeout: 10_000,
        will: { topic: availabilityOf(s), payload: Buffer.from('offline'), qos: 1, retain: true },
      });
      clients.push(client);
      client.on('error', () => counts.errors++);
      // A sensor that cannot log in does not hold up the others.
      const giveUp = setTimeout(resolve, 10_000);
      client.on('connect', () => {
        clearTimeout(giveUp);
        client.publish(availabilityOf(s), 'online', { qos: 1, retain: true });
        resolve();
      });
      const tick = () => {
        if (client.connected) {
          const now = Date.now();
          if (!excursionUntil.has(s.id) && Math.random() < (opts.excursionChance ?? 0.01)) {
            excursionUntil.set(s.id, now + excursionMs);
            counts.excursions++;
          }
          if ((excursionUntil.get(s.id) ?? Infinity) < now) excursionUntil.delete(s.id);
          const reading = { n: p.metric, v: round(valueOf(s, p, now)), ...(p.unit ? { u: p.unit } : {}) };
          client.publish(topicOf(s), JSON.stringify({ ts: now, readings: [reading] }), { qos: opts.qos ?? 1 }, (err) => (err ? counts.errors++ : counts.published++));
        }
        timers.push(setTimeout(tick, opts.intervalMs * (0.8 + Math.random() * 0.4)));
      };
      timers.push(setTimeout(tick, Math.random() * opts.intervalMs));
    });

  await Promise.all(opts.sensors.map(startOne));
  return {
    stats: () => ({ connected: clients.filter((c) => c.connected).length, ...counts }),
    excursion: (id) => {
      excursionUntil.set(id, Date.now() + excursionMs);
      counts.excursions++;
    },
    stop: async () => {
      timers.forEach(clearTimeout);
      await Promise.all(clients.map((c) => c.endAsync(true)));
    },
  };
}

/** The sensors of a gateway config's `seed.sensors` (configs/demo.yaml), with their passwords. */
export function sensorsFromConfig(file: string): SimSensor[] {
  const doc = parseYaml(readFileSync(file, 'utf8')) as { seed?: { sensors?: Array<{ id: string; kind: string; topic?: string; mqtt: { clientId: string; username: string; password: string } }> } };
  return (doc.seed?.sensors ?? []).map((s) => ({ id: s.id, kind: s.kind, topic: s.topic, clientId: s.mqtt.clientId, username: s.mqtt.username, password: s.mqtt.password }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
  };
  const sensors = sensorsFromConfig(arg('config', 'configs/demo.yaml'));
  const sim = await startSensorSimulator({ url: arg('url', 'mqtt://127.0.0.1:1883'), sensors, intervalMs: Number(arg('interval', '2000')), excursionChance: 0.005 });
  process.stdout.write(`sensor-sim: ${sensors.length} sensors publishing (${sensors.map((s) => s.id).join(', ')}); Ctrl-C stops\n`);
  const report = setInterval(() => process.stdout.write(`sensor-sim: ${JSON.stringify(sim.stats())}\n`), 10_000);
  process.once('SIGINT', () => {
    clearInterval(report);
    void sim.stop().then(() => process.exit(0));
  });
}
