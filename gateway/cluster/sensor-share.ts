// Sensors across nodes (gateway/sensors/share.ts) over core NATS. The owner
// of a sensor is the live node that scores it highest (rendezvous hashing over
// the nodes the lease table shows alive), so every node agrees without a
// lease per sensor, and a node's death moves only its own sensors. While the
// live set changes, two nodes may briefly both judge a sensor (an alarm then
// raised twice is one incident: the door dedupes by key) or none may.
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { SensorShare, SharedReadings } from '../sensors/share.ts';
import { affinity } from './leases/fair-share.ts';
import { publishToPeers, subscribeToPeers } from './peer-messages.ts';

const SUBJECT = 'gw.sensors.accepted';

export class NatsSensorShare implements SensorShare {
  constructor(private readonly nc: NatsConnection, private readonly nodeId: string, private readonly liveNodes: () => readonly string[], private readonly log: Logger) {}

  /** Asked per MQTT message: answers are kept until the live set changes (a new array each lease tick that sees a change). */
  private owned = new Map<string, boolean>();
  private ownedFor: readonly string[] | undefined;

  owns(sensorId: string): boolean {
    const nodes = this.liveNodes();
    if (!nodes.includes(this.nodeId)) return nodes.length === 0; // alone, or not counted yet: judge rather than drop
    if (nodes !== this.ownedFor) {
      this.owned = new Map();
      this.ownedFor = nodes;
    }
    let mine = this.owned.get(sensorId);
    if (mine === undefined) {
      const score = (n: string) => affinity(n, `sensor:${sensorId}`);
      const myScore = score(this.nodeId);
      mine = nodes.every((n) => n === this.nodeId || score(n) < myScore || (score(n) === myScore && n > this.nodeId));
      this.owned.set(sensorId, mine);
    }
    return mine;
  }

  publish(sensorId: string, shared: SharedReadings): void {
    publishToPeers(this.nc, SUBJECT, this.nodeId, { sensorId, ...shared });
  }

  subscribe(handler: (sensorId: string, shared: SharedReadings) => void): () => void {
    return subscribeToPeers<{ sensorId: string } & SharedReadings>(this.nc, SUBJECT, { nodeId: this.nodeId, log: this.log, what: 'sensor readings' },
      ({ sensorId, readings, availability }) => handler(sensorId, { readings, availability }));
  }
}
