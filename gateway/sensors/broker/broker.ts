// The embedded MQTT broker (aedes, MQTT 3.1.1): TCP, TLS when a certificate
// is configured, and WebSocket on the gateway's HTTP server. Every publish
// passes our hooks in order: ACL, size, rate, then ingestion; the broker
// acknowledges a QoS 1 publish only after ingestion called back, which for the
// SQLite sink means after the reading is committed.
import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import type { SensorsConfig } from '../config.ts';
import type { SensorDirectory } from '../directory.ts';
import type { Ingest } from '../ingest/ingest.ts';
import type { WarnRollup } from '../../log-rollup.ts';
import type { BadReason, SensorStates } from '../state/sensor-state.ts';
import type { Scopes } from '../../../device-registry/index.ts';
import { canForward, canPublish, canSubscribe } from './acl.ts';
import { RC, type BrokerAuth } from './auth.ts';
import { ConnectedClients } from './clients.ts';
import { guardConnection } from './limits.ts';
import { attachWebSocket } from './websocket.ts';

type BrokerConfig = SensorsConfig['broker'];

type AuthDone = (err: AuthenticateError | null, ok: boolean | null) => void;

/** An authenticate() error carrying the CONNACK return code (2-5). */
const refuse = (code: number, message: string) => Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;

export class EmbeddedBroker {
  aedes!: Aedes;
  readonly ports: { mqtt: number; mqtts?: number } = { mqtt: 0 };
  readonly counts = { accepted: 0, authFailures: 0, refusedFull: 0, aclDenied: 0, oversize: 0, rateLimited: 0, kicked: 0 };
  private readonly servers: Server[] = [];
  private readonly clients: ConnectedClients;
  private detachWs: (() => void) | undefined;

  constructor(
    private readonly c: BrokerConfig,
    private readonly directory: SensorDirectory,
    private readonly auth: BrokerAuth,
    private readonly ingest: Ingest,
    private readonly states: SensorStates,
    private readonly log: Logger,
    private readonly warn: WarnRollup,
    /** Scoped wall clients get only their cells' sensors (分级分权); absent: every wall client gets everything. */
    private readonly scopes?: Scopes,
  ) {
    this.clients = new ConnectedClients(c.limits);
  }

  async start(httpServer?: HttpServer): Promise<void> {
    this.aedes = await Aedes.createBroker({
      connectTimeout: this.c.connectTimeoutMs,
      drainTimeout: this.c.drainTimeoutMs,
      maxClientsIdLength: 64,
      authenticate: (client, username, password, done) => void this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => this.authorizePublish(client, packet, done),
      authorizeSubscribe: (client, sub, done) => done(null, this.subscribeAllowed(client, sub.topic) ? sub : null),
      authorizeForward: (client, packet) => (this.forwardAllowed(client, packet.topic) ? packet : null),
    });
    this.aedes.on('clientReady', (client) => this.onReady(client));
    this.aedes.on('clientDisconnect', (client) => this.onGone(client));
    this.aedes.on('clientError', (client, err) => this.warn.warn(`client-error:${client.id}`, { clientId: client.id, error: err.message }, 'MQTT client error'));
    this.aedes.on('connectionError', (client, err) => this.warn.warn('connection-error', { clientId: client?.id, error: err.message }, 'MQTT connection error'));

    const tcp = createServer((socket) => this.handle(socket));
    tcp.maxConnections = Math.ceil(this.c.limits.maxConnections * 1.1) + 100; // a backstop; the CONNACK refusal comes first
    this.ports.mqtt = await this.listen(tcp, this.c.port);
    if (this.c.tls.cert && this.c.tls.key) {
      const tls = createTlsServer({ cert: readFileSync(this.c.tls.cert), key: readFileSync(this.c.tls.key) }, (socket) => this.handle(socket));
      this.ports.mqtts = await this.listen(tls, this.c.tls.port);
    }
    if (httpServer) this.attachWebSocket(httpServer);
    this.log.info({ port: this.ports.mqtt, tlsPort: this.ports.mqtts }, 'MQTT broker listening');
  }

  /** MQTT over WebSocket at the configured path of the gateway's HTTP server. */
  attachWebSocket(server: HttpServer): void {
    if (!this.c.websocket.enabled || this.detachWs) return;
    this.detachWs = attachWebSocket(server, this.c.websocket.path, (stream, req) => this.handle(stream, req));
    this.log.info({ path: this.c.websocket.path }, 'MQTT over WebSocket enabled');
  }

  /** Drops MQTT-over-WebSocket (before the HTTP server closes, which would wait for those connections). */
  detachWebSocket(): void {
    this.detachWs?.();
    this.detachWs = undefined;
  }

  /** Disconnects a sensor's client at once (disabled, deleted, credentials changed). */
  kickSensor(sensorId: string, why: string): void {
    const client = this.clients.sensor(sensorId);
    if (!client) return;
    this.counts.kicked++;
    this.log.info({ sensorId, why }, 'disconnecting sensor');
    client.close();
  }

  /** Disconnects every wall client logged in with a revoked API key. */
  kickKey(keyId: string): void {
    for (const client of this.clients.wallsWithKey(keyId)) {
      this.counts.kicked++;
      this.log.info({ keyId, clientId: client.id }, 'disconnecting wall client: API key revoked');
      client.close();
    }
  }

  /** Publishes on the broker's behalf (bridged messages for wall clients); no ACL, no ingestion. */
  publish(topic: string, payload: Buffer, retain = false): void {
    this.aedes?.publish({ cmd: 'publish', topic, payload, qos: 0, retain, dup: false }, (err) => {
      if (err) this.warn.warn('republish', { topic, error: err.message }, 'cannot republish a bridged message');
    });
  }

  stats(): Record<string, unknown> {
    return { connected: this.aedes?.connectedClients ?? 0, ...this.clients.counts(), ports: this.ports, ...this.counts };
  }

  async stop(): Promise<void> {
    this.detachWebSocket();
    // Stop accepting, then close the clients: a listener's close() waits for its connections.
    const closing = this.servers.map((s) => new Promise<void>((done) => s.close(() => done())));
    await new Promise<void>((done) => (this.aedes ? this.aedes.close(() => done()) : done()));
    await Promise.all(closing);
  }

  private listen(server: Server, port: number): Promise<number> {
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.c.host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.log.error({ err }, 'MQTT listener error'));
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  private handle(conn: Duplex, req?: import('node:http').IncomingMessage): void {
    // aedes sets conn.client when it adopts the connection; the guard reads it to name the offender.
    guardConnection(conn, this.c.limits.maxPayloadBytes + 1024, (declared) => {
      const client = (conn as Duplex & { client?: Client }).client;
      this.counts.oversize++;
      this.offence(client, 'oversize', `packet of ${Number.isNaN(declared) ? 'unreadable' : declared} bytes; limit ${this.c.limits.maxPayloadBytes}`);
    });
    this.aedes.handle(conn, req);
  }

  private async authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: AuthDone) {
    try {
      const result = await this.auth.check(client.id, username, password);
      if (!result.ok) {
        this.counts.authFailures++;
        if (result.sensorId) this.states.bad(this.states.get(result.sensorId), 'auth_failed', result.why, Date.now());
        this.warn.warn(`auth:${client.id}`, { clientId: client.id, sensorId: result.sensorId, why: result.why }, 'MQTT login refused');
        return done(refuse(result.code, result.why), null);
      }
      if (this.aedes.connectedClients >= this.c.limits.maxConnections) {
        this.counts.refusedFull++;
        this.warn.warn('full', { max: this.c.limits.maxConnections }, 'MQTT connection refused: too many connections');
        return done(refuse(RC.SERVER_UNAVAILABLE, 'too many connections'), null);
      }
      // A scoped wall key's cells are worked out now, so its first messages are judged without waiting.
      if (result.principal.kind === 'wall' && this.scopes) await this.scopes.coverageOf(result.principal.scope);
      this.clients.admit(client, result.principal);
      this.counts.accepted++;
      done(null, true);
    } catch (err) {
      this.log.error({ err, clientId: client.id }, 'MQTT login check failed');
      done(refuse(RC.SERVER_UNAVAILABLE, 'login check failed'), null);
    }
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, done: (err?: Error | null) => void): void {
    if (packet.topic.startsWith('$SYS')) return done(new Error('$SYS topics are reserved'));
    const principal = client ? this.clients.principal(client) : undefined;
    const sensor = principal?.kind === 'sensor' ? this.directory.get(principal.sensorId) : this.directory.byTopicName(packet.topic)?.sensor;
    if (!client) return this.ingest.handle({ topic: packet.topic, payload: packet.payload as Buffer, sensor }, () => done(null)); // a will outliving its client
    const isWill = (client as Client & { will?: unknown }).will === packet; // the last will of a closing client
    if (!principal || !canPublish(principal, sensor, packet.topic)) {
      // The will of a sensor just disabled or deleted is dropped quietly; anything else is an offence.
      if (isWill) return done(new Error('will not allowed'));
      this.counts.aclDenied++;
      return done(this.offence(client, 'acl_denied', `may not publish to ${packet.topic.slice(0, 128)}`));
    }
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    if (payload.length > this.c.limits.maxPayloadBytes) {
      this.counts.oversize++;
      return done(this.offence(client, 'oversize', `payload of ${payload.length} bytes; limit ${this.c.limits.maxPayloadBytes}`));
    }
    if (!isWill && !this.clients.take(client)) {
      this.counts.rateLimited++;
      return done(this.offence(client, 'rate_limited', `more than ${this.c.limits.messagesPerSecond} messages/s (burst ${this.c.limits.burst})`));
    }
    this.ingest.handle({ topic: packet.topic, payload, sensor }, (err) => done(err ?? null));
  }

  private forwardAllowed(client: Client, topic: string): boolean {
    const principal = this.clients.principal(client);
    if (principal?.kind !== 'wall' || !this.scopes) return true;
    return canForward(principal, this.directory.byTopicName(topic)?.sensor, this.scopes.coverageNow(principal.scope));
  }

  private subscribeAllowed(client: Client, filter: string): boolean {
    const principal = this.clients.principal(client);
    const sensor = principal?.kind === 'sensor' ? this.directory.get(principal.sensorId) : undefined;
    if (principal && canSubscribe(principal, sensor, filter)) return true;
    this.counts.aclDenied++;
    if (sensor) this.states.bad(this.states.get(sensor.id), 'acl_denied', `may not subscribe to ${filter.slice(0, 128)}`, Date.now());
    this.warn.warn(`sub-denied:${client.id}`, { clientId: client.id, sensorId: sensor?.id, filter: filter.slice(0, 128) }, 'MQTT subscription refused');
    return false;
  }

  /** Counts and logs what a client did wrong; the returned error makes aedes disconnect it. */
  private offence(client: Client | undefined, reason: BadReason, message: string): Error {
    const principal = client ? this.clients.principal(client) : undefined;
    const sensorId = principal?.kind === 'sensor' ? principal.sensorId : undefined;
    if (sensorId) this.states.bad(this.states.get(sensorId), reason, message, Date.now());
    this.warn.warn(`${reason}:${client?.id}`, { clientId: client?.id, sensorId, reason, why: message }, 'MQTT client disconnected');
    return new Error(message);
  }

  private onReady(client: Client): void {
    const p = this.clients.ready(client);
    if (p?.kind !== 'sensor') return;
    const s = this.states.get(p.sensorId);
    s.connected = true;
    s.connectedSince = Date.now();
  }

  private onGone(client: Client): void {
    const sensorId = this.clients.gone(client);
    if (!sensorId) return;
    const s = this.states.get(sensorId);
    s.connected = false;
    delete s.connectedSince;
  }
}

