// One ONVIF client per channel, kept while the channel's camera, credentials
// and timeout stay the same (the client keeps the camera's clock skew and its
// HTTP-digest state between calls); an edited channel gets a new one.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { onvifClient, type OnvifClient, type OnvifTarget } from './index.ts';

export type ClientFactory = (target: OnvifTarget, opts: { timeoutMs: number; log?: Logger }) => OnvifClient;

export class OnvifClients {
  private readonly clients = new Map<string, { key: string; client: OnvifClient }>();

  constructor(private readonly make: ClientFactory = onvifClient, private readonly log?: Logger) {}

  of(channelId: string, target: OnvifTarget, timeoutMs: number): OnvifClient {
    // Keyed by a hash: the password is not kept in the key in clear.
    const key = createHash('sha256').update(JSON.stringify([target.xaddr, target.username, target.password, timeoutMs])).digest('hex');
    const known = this.clients.get(channelId);
    if (known?.key === key) return known.client;
    const client = this.make(target, { timeoutMs, log: this.log?.child({ channelId }) });
    this.clients.set(channelId, { key, client });
    return client;
  }

  forget(channelId: string): void {
    this.clients.delete(channelId);
  }
}
