// What the sensor room knows of the registry's sensors, kept in memory and
// followed live: lookups by id, MQTT client id and topic happen on every
// message, so they must not touch the store.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { DeviceChanged, RegistryService, StoredRow } from '../../device-registry/index.ts';
import type { KindRule } from './config.ts';

export interface SensorInfo {
  id: string;
  name: string;
  kind: string;
  clientId: string;
  username: string;
  /** The scrypt hash from the registry; compared, never sent anywhere. */
  passwordHash: string | undefined;
  topic: string;
  availabilityTopic: string;
  /** Filters under this prefix are the sensor's commands (it may subscribe to them). */
  commandTopic: string;
  unit?: string;
  location?: { lat: number; lng: number };
  gridCode?: string;
  enabled: boolean;
  rules: Record<string, KindRule>;
}

/** `sensors/x/telemetry` → `sensors/x`; any other topic is its own base. */
export const topicBase = (topic: string) => (topic.endsWith('/telemetry') ? topic.slice(0, -'/telemetry'.length) : topic);

export function sensorInfo(row: StoredRow): SensorInfo {
  const doc = row.doc as {
    name: string; kind: string; mqtt: { clientId: string; username: string }; topic: string; unit?: string;
    location?: { lat: number; lng: number }; gridCode?: string; enabled: boolean; rules?: Record<string, KindRule>;
  };
  const base = topicBase(doc.topic);
  return {
    id: row.id, name: doc.name, kind: doc.kind, clientId: doc.mqtt.clientId, username: doc.mqtt.username,
    passwordHash: row.secret?.passwordHash as string | undefined, topic: doc.topic, availabilityTopic: `${base}/availability`,
    commandTopic: `${base}/commands`, unit: doc.unit, location: doc.location, gridCode: doc.gridCode, enabled: doc.enabled, rules: doc.rules ?? {},
  };
}

interface DirectoryEvents {
  /** A sensor was added, changed or removed (`after` undefined). */
  changed: [{ id: string; before: SensorInfo | undefined; after: SensorInfo | undefined }];
}

export class SensorDirectory extends EventEmitter<DirectoryEvents> {
  private readonly byId = new Map<string, SensorInfo>();
  private readonly byClientId = new Map<string, string>();
  private readonly byTopic = new Map<string, { id: string; channel: 'telemetry' | 'availability' }>();

  constructor(
    private readonly registry: RegistryService,
    private readonly log: Logger,
  ) {
    super();
  }

  async start(): Promise<void> {
    this.registry.events.on('device.changed', this.onChange);
    for await (const row of this.registry.all('sensors')) this.put(row.id, sensorInfo(row));
  }

  stop(): void {
    this.registry.events.off('device.changed', this.onChange);
  }

  get(id: string): SensorInfo | undefined {
    return this.byId.get(id);
  }

  byClient(clientId: string): SensorInfo | undefined {
    const id = this.byClientId.get(clientId);
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** The sensor and channel a topic belongs to (bridge mode and LWTs resolve by topic). */
  byTopicName(topic: string): { sensor: SensorInfo; channel: 'telemetry' | 'availability' } | undefined {
    const hit = this.byTopic.get(topic);
    const sensor = hit && this.byId.get(hit.id);
    return sensor && hit ? { sensor, channel: hit.channel } : undefined;
  }

  all(): SensorInfo[] {
    return [...this.byId.values()];
  }

  private readonly onChange = (e: DeviceChanged) => {
    if (e.entity !== 'sensors') return;
    void this.refresh(e.id).catch((err: unknown) => this.log.error({ err, sensorId: e.id }, 'cannot read the changed sensor'));
  };

  /** Re-reads one sensor from the store (the event carries no secrets). */
  async refresh(id: string): Promise<void> {
    const row = await this.registry.getStored('sensors', id);
    const before = this.byId.get(id);
    const after = row ? sensorInfo(row) : undefined;
    this.remove(id);
    if (after) this.put(id, after);
    this.emit('changed', { id, before, after });
  }

  private put(id: string, info: SensorInfo): void {
    this.byId.set(id, info);
    this.byClientId.set(info.clientId, id);
    for (const [topic, channel] of [[info.topic, 'telemetry'], [info.availabilityTopic, 'availability']] as const) {
      const holder = this.byTopic.get(topic);
      if (holder && holder.id !== id) this.log.warn({ sensorId: id, other: holder.id, topic }, 'two sensors share a topic; the first one keeps it');
      else this.byTopic.set(topic, { id, channel });
    }
  }

  private remove(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.byId.delete(id);
    if (this.byClientId.get(old.clientId) === id) this.byClientId.delete(old.clientId);
    for (const topic of [old.topic, old.availabilityTopic]) if (this.byTopic.get(topic)?.id === id) this.byTopic.delete(topic);
  }
}
