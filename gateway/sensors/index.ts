// The sensor room's entry: the sensor directory (following the registry),
// the embedded MQTT broker and/or the bridge, ingestion, the time-series sink,
// the rule engine and its alarm outbox, and their HTTP routes, started and
// stopped together.
import type { Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Scopes, type ApiKeys, type RegistryService } from '../../device-registry/index.ts';
import type { IncidentCandidate, RaiseIncident } from '../incidents/candidate.ts';
import { AlarmOutbox } from './alarms/outbox.ts';
import { Bridge } from './bridge/bridge.ts';
import { BrokerAuth } from './broker/auth.ts';
import { EmbeddedBroker } from './broker/broker.ts';
import { PasswordVerifier } from './broker/password-verifier.ts';
import type { SensorsConfig } from './config.ts';
import { SensorDirectory, type SensorInfo } from './directory.ts';
import { sensorRoutes } from './http/routes.ts';
import { Ingest } from './ingest/ingest.ts';
import { WarnRollup } from '../log-rollup.ts';
import { RuleEngine } from './rules/engine.ts';
import type { SensorShare } from './share.ts';
import { shareWithOthers } from './shared-readings.ts';
import { InfluxSink } from './series/influx-sink.ts';
import type { TimeSeriesSink } from './series/sink.ts';
import { SqliteSeries } from './series/sqlite-series.ts';
import { SensorStates } from './state/sensor-state.ts';
import { StateDb } from './state/state-db.ts';

export { SENSORS_DEFAULTS, SensorsConfig } from './config.ts';

export interface SensorsDeps {
  registry: RegistryService;
  keys: ApiKeys;
  raise: RaiseIncident;
  dataDir: string;
  log: Logger;
  /** The gateway's HTTP server, for MQTT over WebSocket (also taken from the app in routes()). */
  httpServer?: HttpServer;
  /** Called after each alarm reached raise() successfully (benchmarks, tests). */
  onDelivered?: (candidate: IncidentCandidate) => void;
  /** Scale-out: which sensors this node judges, and the readings the other nodes accepted (share.ts). */
  share?: SensorShare;
}

export interface SensorsRoom {
  routes(app: FastifyInstance): void;
  stop(): Promise<void>;
  ports: { mqtt: number; mqtts?: number };
  broker?: EmbeddedBroker;
  bridge?: Bridge;
  engine: RuleEngine;
  ingest: Ingest;
  states: SensorStates;
  directory: SensorDirectory;
  sink: TimeSeriesSink;
  attachWebSocket(server: HttpServer): void;
  /** Everything GET /api/sensors/ingest shows. */
  status(): Record<string, unknown>;
}

const SAVE_LASTS_MS = 2000;

export async function startSensors(config: SensorsConfig, deps: SensorsDeps): Promise<SensorsRoom> {
  const log = deps.log.child({ module: 'sensors' });
  const warn = new WarnRollup(log);
  const db = new StateDb(join(deps.dataDir, 'sensors.db'));
  const directory = new SensorDirectory(deps.registry, log);
  await directory.start();

  const states = new SensorStates();
  for (const last of db.loadLasts()) Object.assign(states.get(last.sensorId), { lastSeen: last.lastSeen, values: last.values });

  const local = new SqliteSeries({ ...config.series.sqlite, file: join(deps.dataDir, config.series.sqlite.file), keepRaw: config.series.sink === 'sqlite', log });
  const sink: TimeSeriesSink = config.series.sink === 'influx' ? new InfluxSink(config.series.influx, local, log.child({ component: 'influx' }), warn) : local;

  const online = new Set<string>();
  const setStatus = (id: string, state: 'online' | 'offline', reason?: string) =>
    deps.registry.setStatus('sensors', id, { state, reason, since: Date.now() }).catch((err: unknown) => log.error({ err, sensorId: id }, 'cannot record the sensor status'));
  const outbox = new AlarmOutbox(db, deps.raise, config.alarms.retry, log.child({ component: 'alarms' }), warn, deps.onDelivered);
  const engine = new RuleEngine(config, db, directory, states, outbox, log.child({ component: 'rules' }), (h) => {
    const s = states.get(h.sensorId);
    s.healthReason = h.reason;
    if (h.state === 'offline') online.delete(h.sensorId);
    void setStatus(h.sensorId, h.state, h.reason);
  });
  const onSeen = (sensor: SensorInfo) => {
    if (online.has(sensor.id)) return;
    online.add(sensor.id);
    delete states.get(sensor.id).healthReason;
    void setStatus(sensor.id, 'online');
  };
  const ingest = new Ingest(config, directory, states, sink, engine, log, warn, onSeen, deps.share);
  const unshare = deps.share && shareWithOthers(deps.share, { directory, states, local, engine, ingest, log });

  let broker: EmbeddedBroker | undefined;
  let verifier: PasswordVerifier | undefined;
  let bridge: Bridge | undefined;
  try {
    if (config.broker.enabled) {
      verifier = new PasswordVerifier(config.broker.authCacheSeconds * 1000, log);
      const auth = new BrokerAuth(directory, deps.keys, verifier, config.broker.wallUsername);
      broker = new EmbeddedBroker(config.broker, directory, auth, ingest, states, log.child({ component: 'broker' }), warn, new Scopes(deps.registry, log));
      await broker.start(deps.httpServer);
    }
    if (config.bridge.enabled) {
      const republish = broker && config.bridge.republish ? broker.publish.bind(broker) : undefined;
      bridge = new Bridge(config.bridge, ingest, log.child({ component: 'bridge' }), republish);
      bridge.start();
    }
  } catch (err) {
    unshare?.();
    await bridge?.stop();
    await broker?.stop();
    await verifier?.stop();
    await sink.close();
    if (sink !== local) await local.close();
    db.close();
    directory.stop();
    warn.stop();
    throw err;
  }

  directory.on('changed', ({ id, before, after }) => {
    engine.onSensorChanged(id, before, after);
    const credentials = (s?: SensorInfo) => s && JSON.stringify([s.enabled, s.clientId, s.username, s.passwordHash, s.topic]);
    if (before && credentials(before) !== credentials(after)) broker?.kickSensor(id, !after ? 'deleted' : !after.enabled ? 'disabled' : 'credentials or topic changed');
    if (!after) {
      states.forget(id);
      db.forgetSensor(id);
      online.delete(id);
    } else if (!after.enabled) {
      online.delete(id);
      void setStatus(id, 'offline', 'disabled');
    }
  });
  const onKeyChange = (e: { entity: string; action: string; id: string }) => {
    if (e.entity === 'api_keys' && e.action === 'revoke') broker?.kickKey(e.id);
  };
  deps.registry.events.on('device.changed', onKeyChange);

  // Last values and last-seen times survive a restart, for the state routes. (Staleness counts from the
  // restart: the gateway's own downtime says nothing about the sensors.)
  const saveLasts = () => {
    const dirty = states.all().filter((s) => s.dirty && s.lastSeen !== null);
    if (!dirty.length) return;
    try {
      db.saveLasts(dirty.map((s) => ({ sensorId: s.sensorId, lastSeen: s.lastSeen!, values: s.values })));
      dirty.forEach((s) => (s.dirty = false));
    } catch (err) {
      log.error({ err }, 'cannot save the sensors’ last values');
    }
  };
  const saver = setInterval(saveLasts, SAVE_LASTS_MS);
  saver.unref();
  engine.start();

  const status = () => ({
    sensors: directory.all().length,
    broker: broker?.stats() ?? null,
    bridge: bridge?.info() ?? null,
    sink: sink.stats(),
    alarms: outbox.stats(),
    ingest: { ...ingest.totals, unknownSensors: Object.fromEntries(ingest.unknown) },
    passwordChecks: verifier ? { ...verifier.counts } : null,
  });
  log.info({ sensors: directory.all().length, broker: broker?.ports ?? null, bridge: config.bridge.enabled, sink: sink.name }, 'sensors started');

  let stopping: Promise<void> | undefined;
  return {
    ports: broker?.ports ?? { mqtt: 0 },
    broker,
    bridge,
    engine,
    ingest,
    states,
    directory,
    sink,
    status,
    attachWebSocket: (server) => broker?.attachWebSocket(server),
    routes: (app) => {
      sensorRoutes(app, { directory, states, engine, series: local, status });
      broker?.attachWebSocket(app.server);
      // Upgraded sockets would keep the HTTP server's close() waiting: let them go first.
      app.addHook('preClose', async () => broker?.detachWebSocket());
    },
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(saver);
        engine.stop(); // first: the wills of clients the broker closes below are a shutdown, not sensors going offline
        unshare?.();
        deps.registry.events.off('device.changed', onKeyChange);
        directory.stop();
        await bridge?.stop();
        await broker?.stop();
        await verifier?.stop();
        await outbox.stop();
        saveLasts();
        await sink.close();
        if (sink !== local) await local.close();
        db.close();
        warn.stop();
        log.info('sensors stopped');
      })()),
  };
}
