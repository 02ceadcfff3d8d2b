// Who is connected to the embedded broker: each client's principal (a sensor
// or a wall key) and rate bucket, the current client of each sensor (a newer
// login with the same client id replaces the older one), and the wall clients.
import type { Client } from 'aedes';
import type { Principal } from './acl.ts';
import { TokenBucket } from './limits.ts';

export class ConnectedClients {
  private readonly principals = new WeakMap<Client, Principal>();
  private readonly buckets = new WeakMap<Client, TokenBucket>();
  private readonly sensors = new Map<string, Client>();
  private readonly walls = new Set<Client>();

  constructor(private readonly rate: { messagesPerSecond: number; burst: number }) {}

  /** A login succeeded. Sensors are known from here, before CONNACK, so a registry change racing the login still finds them. */
  admit(client: Client, principal: Principal): void {
    this.principals.set(client, principal);
    this.buckets.set(client, new TokenBucket(this.rate.messagesPerSecond, this.rate.burst));
    if (principal.kind === 'sensor') this.sensors.set(principal.sensorId, client);
  }

  /** The session is up; wall clients are tracked from here (a login whose connection dies before never is). */
  ready(client: Client): Principal | undefined {
    const p = this.principals.get(client);
    if (p?.kind === 'wall') this.walls.add(client);
    return p;
  }

  /** The client left; the sensor it served, if it was that sensor's current client. */
  gone(client: Client): string | undefined {
    this.walls.delete(client);
    const p = this.principals.get(client);
    if (p?.kind !== 'sensor' || this.sensors.get(p.sensorId) !== client) return undefined;
    this.sensors.delete(p.sensorId);
    return p.sensorId;
  }

  principal(client: Client): Principal | undefined {
    return this.principals.get(client);
  }

  take(client: Client): boolean {
    return this.buckets.get(client)?.take() ?? false;
  }

  sensor(sensorId: string): Client | undefined {
    return this.sensors.get(sensorId);
  }

  wallsWithKey(keyId: string): Client[] {
    return [...this.walls].filter((c) => {
      const p = this.principals.get(c);
      return p?.kind === 'wall' && p.keyId === keyId;
    });
  }

  counts(): { sensors: number; walls: number } {
    return { sensors: this.sensors.size, walls: this.walls.size };
  }
}
