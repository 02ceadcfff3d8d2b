// Bridge mode: the gateway subscribes as a client (mqtt.js) to an existing
// broker (Mosquitto, EMQX) where the sensors publish. With a shared
// subscription ($share/<group>/<topic>) each message goes to one gateway of
// the group, so several gateways split the load. Sensors are identified by
// topic (the external broker did the authentication). QoS 1 messages are
// acknowledged after ingestion, as on the embedded broker.
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { redactUrl } from '../../log.ts';
import type { SensorsConfig } from '../config.ts';
import type { Ingest } from '../ingest/ingest.ts';

type BridgeConfig = SensorsConfig['bridge'];

export interface BridgeStatus {
  state: 'connecting' | 'connected' | 'offline' | 'stopped';
  reason?: string;
  since: string;
  messages: number;
  reconnects: number;
}

/** `$share/<group>/<topic>` when a group is configured. */
export const shareTopic = (group: string | null, topic: string) => (group ? `$share/${group}/${topic}` : topic);

function reasonOf(err: Error & { code?: number | string }): string {
  if (err.code === 4 || err.code === 5 || /Not authorized|Bad username/i.test(err.message)) return 'auth failed';
  if (err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENOTFOUND') return 'unreachable';
  return err.message.slice(0, 200);
}

export class Bridge {
  private client: MqttClient | undefined;
  private status: BridgeStatus = { state: 'stopped', since: new Date().toISOString(), messages: 0, reconnects: 0 };
  private delay: number;

  constructor(
    private readonly c: BridgeConfig,
    private readonly ingest: Ingest,
    private readonly log: Logger,
    /** Copies each bridged message into the embedded broker (for wall clients). */
    private readonly republish?: (topic: string, payload: Buffer, retain: boolean) => void,
  ) {
    this.delay = c.backoff.initialMs;
  }

  start(): void {
    if (!this.c.url) throw new Error('sensors.bridge.url is required when the bridge is enabled');
    const opts: IClientOptions = {
      clientId: this.c.clientId ?? `city-gateway-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      username: this.c.username ?? undefined,
      password: this.c.password ?? undefined,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: this.delay,
      connectTimeout: 10_000,
    };
    this.set('connecting');
    const client = connect(this.c.url, opts);
    this.client = client;
    client.handleMessage = (packet, callback) => this.onMessage(packet, callback);
    client.on('connect', () => {
      this.delay = this.c.backoff.initialMs;
      client.options.reconnectPeriod = this.delay;
      const topics = Object.fromEntries(this.c.topics.map((t) => [shareTopic(this.c.group, t), { qos: this.c.qos }]));
      client.subscribe(topics, (err, granted) => {
        const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
        if (err || refused.length) {
          this.log.error({ err, refused }, 'bridge subscription refused by the broker');
          this.set('offline', err ? err.message : `subscription refused: ${refused.join(', ')}`);
          return;
        }
        this.set('connected');
        this.log.info({ url: redactUrl(this.c.url ?? ''), topics: Object.keys(topics) }, 'bridge subscribed');
      });
    });
    client.on('error', (err) => {
      this.set('offline', reasonOf(err as Error & { code?: number }));
      this.log.warn({ err: err.message, url: redactUrl(this.c.url ?? '') }, 'bridge connection failed');
    });
    client.on('close', () => {
      if (this.status.state === 'stopped') return;
      if (this.status.state !== 'offline') this.set('offline', 'connection closed');
    });
    client.on('reconnect', () => {
      this.status.reconnects++;
      // Back off: mqtt.js retries at a fixed period, so stretch it after each failure.
      this.delay = Math.min(this.c.backoff.maxMs, this.delay * 2);
      client.options.reconnectPeriod = this.delay;
    });
  }

  info(): BridgeStatus {
    return { ...this.status };
  }

  async stop(): Promise<void> {
    this.set('stopped');
    await this.client?.endAsync(true);
  }

  private onMessage(packet: IPublishPacket, callback: () => void): void {
    this.status.messages++;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : Buffer.from(packet.payload);
    this.republish?.(packet.topic, payload, packet.retain);
    this.ingest.handle({ topic: packet.topic, payload }, () => callback());
  }

  private set(state: BridgeStatus['state'], reason?: string): void {
    if (this.status.state === state && this.status.reason === reason) return;
    this.status = { ...this.status, state, since: new Date().toISOString(), ...(reason ? { reason } : { reason: undefined }) };
    if (!reason) delete this.status.reason;
  }
}
