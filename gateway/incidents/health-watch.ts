// Device health into incidents: a camera offline for longer than configured
// raises camera_offline; it clears only after staying online for a while, so
// a flapping camera is one incident, not one per flap.
import type { Logger } from 'pino';
import type { RegistryService, StatusChanged } from '../../device-registry/index.ts';
import type { RaiseIncident } from './candidate.ts';
import type { IncidentsConfig } from './config.ts';
import { cameraOfflineTitle, codeOnly, TITLE_MESSAGE } from './title-message.ts';

// Reasons that are decisions, not faults: no alarm for them.
const NOT_FAULTS = new Set(['stopped', 'disabled', 'no push', 'idle (on demand)', 'GB28181 is disabled in the configuration', 'RTMP push is disabled in the configuration']);

export class HealthWatch {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly stable = new Map<string, NodeJS.Timeout>();
  private readonly raised = new Set<string>();

  constructor(private readonly registry: RegistryService, private readonly raise: RaiseIncident, private readonly config: IncidentsConfig['health'], private readonly log: Logger) {
    registry.events.on('device.status', this.onStatus);
  }

  stop(): void {
    this.registry.events.off('device.status', this.onStatus);
    for (const t of [...this.pending.values(), ...this.stable.values()]) clearTimeout(t);
  }

  private readonly onStatus = (e: StatusChanged) => {
    if (e.entity !== 'channels') return;
    const fault = e.state === 'offline' && !NOT_FAULTS.has(e.reason ?? '');
    if (fault) {
      clearTimeout(this.stable.get(e.id));
      this.stable.delete(e.id);
      if (!this.pending.has(e.id) && !this.raised.has(e.id)) {
        this.pending.set(e.id, setTimeout(() => void this.alarm(e.id, e.reason), this.config.channelOfflineSeconds * 1000));
      }
    } else if (e.state !== 'online' && e.state !== 'starting') {
      // A decision (idle, disabled, no push) ends a pending fault: only an unbroken fault raises.
      clearTimeout(this.pending.get(e.id));
      this.pending.delete(e.id);
    } else if (e.state === 'online') {
      if (this.stable.has(e.id)) return;
      this.stable.set(e.id, setTimeout(() => this.recovered(e.id), this.config.stableSeconds * 1000));
    }
  };

  private async alarm(id: string, reason: string | undefined): Promise<void> {
    this.pending.delete(id);
    this.raised.add(id);
    try {
      const title = cameraOfflineTitle(id, reason);
      await this.raise({ source: { kind: 'channel-health', id }, type: 'camera_offline', category: 'device', severity: 'minor', title: title.message, occurredAt: Date.now(), evidence: { [TITLE_MESSAGE]: codeOnly(title) } });
    } catch (err) {
      this.log.error({ err, channelId: id }, 'could not raise camera_offline');
    }
  }

  private recovered(id: string): void {
    this.stable.delete(id);
    clearTimeout(this.pending.get(id));
    this.pending.delete(id);
    if (!this.raised.delete(id)) return;
    this.raise({ source: { kind: 'channel-health', id }, type: 'camera_offline', severity: 'minor', occurredAt: Date.now(), clear: true })
      .catch((err: unknown) => this.log.error({ err, channelId: id }, 'could not clear camera_offline'));
  }
}
