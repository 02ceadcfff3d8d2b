// What a device tells us about itself goes into the registry: DeviceInfo into
// the device's row, its catalog into camera channels. Runs after a fresh
// registration and on demand; one sync per device at a time.
import type { Logger } from 'pino';
import { compact, notFound, type RegistryService } from '../../device-registry/index.ts';
import { syncCatalog, type SyncReport } from './catalog-sync.ts';
import type { DeviceSessions } from './devices.ts';
import { QueryError, type CatalogResult, type DeviceQueries, type QueryTarget } from './queries.ts';

const ACTOR = { keyId: null, name: 'gb28181 catalog', role: null } as const;

export interface CatalogSyncResult {
  deviceId: string;
  sumNum: number;
  received: number;
  complete: boolean;
  messages: number;
  ms: number;
  sync: SyncReport;
}

export class DeviceSync {
  private readonly running = new Map<string, Promise<CatalogSyncResult>>();
  readonly counts = { syncs: 0, failures: 0 };

  constructor(
    private readonly registry: RegistryService,
    private readonly sessions: DeviceSessions,
    private readonly queries: DeviceQueries,
    private readonly log: Logger,
  ) {}

  target(deviceId: string): QueryTarget | undefined {
    const s = this.sessions.get(deviceId);
    return s ? { deviceId, remote: s.remote, charset: s.charset } : undefined;
  }

  /**
   * After a fresh REGISTER: DeviceInfo then the catalog, each on its own (a
   * device that ignores DeviceInfo still gets its channels); failures are
   * logged, the device stays registered.
   */
  afterRegister(deviceId: string): void {
    const failed = (what: string) => (err: Error) => {
      this.counts.failures++;
      this.log.warn({ deviceId, err: err.message }, `GB28181 ${what} after REGISTER failed`);
    };
    void this.refreshInfo(deviceId)
      .catch(failed('DeviceInfo query'))
      .then(() => this.catalog(deviceId))
      .catch(failed('catalog sync'));
  }

  async refreshInfo(deviceId: string): Promise<void> {
    const t = this.target(deviceId);
    if (!t) return;
    const info = await this.queries.deviceInfo(t);
    const row = await this.registry.getStored('gbDevices', deviceId);
    if (!row) return;
    const next = compact({ manufacturer: info.manufacturer, model: info.model, firmware: info.firmware, channelCount: info.channelCount });
    if (JSON.stringify(row.doc.info ?? {}) !== JSON.stringify(next)) await this.registry.update('gbDevices', deviceId, { info: next }, ACTOR);
  }

  /** Queries the catalog and writes it to the registry; a second call while one runs joins it. */
  catalog(deviceId: string): Promise<CatalogSyncResult> {
    const running = this.running.get(deviceId);
    if (running) return running;
    const job = this.runCatalog(deviceId).finally(() => this.running.delete(deviceId));
    this.running.set(deviceId, job);
    return job;
  }

  private async runCatalog(deviceId: string): Promise<CatalogSyncResult> {
    const t = this.target(deviceId);
    if (!t) throw new QueryError('offline', `device ${deviceId} is not registered`);
    const started = Date.now();
    const result: CatalogResult = await this.queries.catalog(t);
    const device = await this.registry.getStored('gbDevices', deviceId);
    if (!device) throw notFound('GB28181 device', deviceId);
    const sync = await syncCatalog(this.registry, device, result.items);
    this.counts.syncs++;
    const out = { deviceId, sumNum: result.sumNum, received: result.items.length, complete: result.complete, messages: result.messages, ms: Date.now() - started, sync };
    const level = result.complete && sync.failed.length === 0 ? 'info' : 'warn';
    this.log[level]({ deviceId, sumNum: out.sumNum, received: out.received, complete: out.complete, created: sync.created.length, updated: sync.updated.length, failed: sync.failed }, 'GB28181 catalog synced');
    return out;
  }
}
