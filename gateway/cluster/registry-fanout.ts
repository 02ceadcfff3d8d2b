// Registry changes reach every node. A node that commits a change emits
// `device.changed` locally (registry-service.ts); this relays it over core
// NATS to the other nodes, which emit it on their own registry events, so
// their rooms (video shards, MQTT auth, API key cache) react as if it were theirs.
// Core NATS is at most once: a node cut off from NATS while a change is made
// misses it until its next start (the other nodes run such a channel meanwhile).
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { DeviceChanged, RegistryService } from '../../device-registry/index.ts';
import { publishToPeers, subscribeToPeers } from './peer-messages.ts';

const SUBJECT = 'gw.registry.changed';

export class RegistryFanout {
  relayed = 0;
  received = 0;
  private readonly fromOthers = new WeakSet<DeviceChanged>();
  private readonly unsubscribe: () => void;

  constructor(private readonly nc: NatsConnection, private readonly registry: RegistryService, private readonly nodeId: string, private readonly log: Logger) {
    registry.events.on('device.changed', this.onLocal);
    this.unsubscribe = subscribeToPeers<{ change: DeviceChanged }>(nc, SUBJECT, { nodeId, log, what: 'registry change' }, ({ change }) => {
      this.received++;
      this.fromOthers.add(change);
      registry.events.emit('device.changed', change);
    });
  }

  private readonly onLocal = (change: DeviceChanged) => {
    if (this.fromOthers.has(change)) return;
    this.relayed++;
    publishToPeers(this.nc, SUBJECT, this.nodeId, { change });
  };

  stop(): void {
    this.registry.events.off('device.changed', this.onLocal);
    this.unsubscribe();
  }
}
