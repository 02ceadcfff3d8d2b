// A sensor room for tests: a real registry (SQLite in a temp dir), API keys,
// startSensors with test-sized timings, a Fastify app with the real auth,
// validators and error handler, listening on a free port (MQTT over
// WebSocket rides on it), and every raised candidate recorded.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { ApiKeys, auth, installValidators, RegistryService, scopeChecks, Scopes, SqliteRegistryStore, SYSTEM_ACTOR, UrlTokens, type Role } from '../../../device-registry/index.ts';
import { installErrorHandler } from '../../http/error-handler.ts';
import type { IncidentCandidate, RaiseIncident } from '../../incidents/candidate.ts';
import { SENSORS_DEFAULTS, type SensorsConfig } from '../config.ts';
import { startSensors, type SensorsRoom } from '../index.ts';

type Tree = Record<string, unknown>;
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

const isTree = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);
export function merge<T>(base: T, over: unknown): T {
  if (!isTree(base) || !isTree(over)) return (over === undefined ? base : over) as T;
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isTree(v) && isTree(out[k]) ? merge(out[k], v) : v;
  return out as T;
}

export const TEST_CONFIG: DeepPartial<SensorsConfig> = {
  broker: { host: '127.0.0.1', port: 0 },
  rules: { tickMs: 50 },
};

export interface Harness {
  dir: string;
  registry: RegistryService;
  keys: ApiKeys;
  room: SensorsRoom;
  app: FastifyInstance;
  config: SensorsConfig;
  raised: IncidentCandidate[];
  apiKeys: Record<Role, string>;
  mqttUrl: string;
  wsUrl: string;
  logs: () => string;
  addSensor(id: string, extra?: Record<string, unknown>): Promise<void>;
  connectSensor(id: string, opts?: IClientOptions): Promise<MqttClient>;
  get(role: Role | null, url: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Stops the room and app (keeping the registry and data); start again with restart(). */
  restart(over?: DeepPartial<SensorsConfig>, whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export const sensorInput = (id: string, extra: Record<string, unknown> = {}) => ({
  id, name: `传感器-${id}`, kind: 'gas', mqtt: { clientId: id, username: id, password: `pw-${id}-secret` }, unit: '%LEL', ...extra,
});

export function connectClient(url: string, opts: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

export async function startHarness(opts: { config?: DeepPartial<SensorsConfig>; raise?: RaiseIncident; dir?: string } = {}): Promise<Harness> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'gw-sensors-'));
  const store = new SqliteRegistryStore(join(dir, 'registry.db'));
  const registry = new RegistryService(store);
  const keys = new ApiKeys(store, registry.events);
  const apiKeys = {} as Record<Role, string>;
  for (const role of ['admin', 'engineer', 'operator', 'dispatcher'] as const) apiKeys[role] = (await keys.create({ name: role, role }, SYSTEM_ACTOR)).secret;
  const chunks: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const log = pino({ level: 'debug' }, stream);
  const raised: IncidentCandidate[] = [];
  const raise: RaiseIncident = opts.raise ?? (async (c) => void raised.push(c));

  let config = merge(merge(SENSORS_DEFAULTS, TEST_CONFIG), opts.config);
  let room: SensorsRoom;
  let app: FastifyInstance;
  const up = async () => {
    room = await startSensors(config, { registry, keys, raise: opts.raise ? opts.raise : raise, dataDir: dir, log });
    app = Fastify();
    installValidators(app);
    installErrorHandler(app);
    await app.register(auth, { keys, urlTokens: new UrlTokens(randomBytes(32), 600) });
    await app.register(scopeChecks, { scopes: new Scopes(registry, log) }); // as gateway/http/app.ts: every route declares its scope
    room.routes(app);
    await app.listen({ host: '127.0.0.1', port: 0 });
  };
  await up();
  const h: Harness = {
    dir, registry, keys, config, raised, apiKeys, logs: () => chunks.join(''),
    get room() { return room; },
    get app() { return app; },
    get mqttUrl() { return `mqtt://127.0.0.1:${room.ports.mqtt}`; },
    get wsUrl() { return `ws://127.0.0.1:${(app.server.address() as { port: number }).port}${config.broker.websocket.path}`; },
    addSensor: async (id, extra) => {
      await registry.create('sensors', sensorInput(id, extra), SYSTEM_ACTOR);
    },
    connectSensor: (id, o) => connectClient(h.mqttUrl, { clientId: id, username: id, password: `pw-${id}-secret`, ...o }),
    get: async (role, url) => {
      const res = await app.inject({ method: 'GET', url, headers: role ? { authorization: `Bearer ${apiKeys[role]}` } : {} });
      return { status: res.statusCode, body: res.json() as Record<string, unknown> };
    },
    restart: async (over, whileDown) => {
      await app.close();
      await room.stop();
      await whileDown?.();
      config = merge(config, over);
      await up();
    },
    stop: async () => {
      await app.close();
      await room.stop();
      await store.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  } as Harness;
  return h;
}

export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const telemetry = (value: number, metric = 'ch4', extra: Record<string, unknown> = {}) =>
  JSON.stringify({ readings: [{ n: metric, v: value }], ...extra });

export function publish(client: MqttClient, topic: string, payload: string | Buffer, qos: 0 | 1 = 1): Promise<void> {
  return new Promise((resolve, reject) => client.publish(topic, payload, { qos }, (err) => (err ? reject(err) : resolve())));
}
