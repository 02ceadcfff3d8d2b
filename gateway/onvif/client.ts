// The ONVIF client of one camera: learns the clock skew and the service
// addresses once (GetSystemDateAndTime, GetCapabilities / GetServices), then
// speaks Media, PTZ and Events with WS-Security (and HTTP digest on 401).
import type { Logger } from 'pino';
import { createPullPoint } from './events.ts';
import { readCameraClock } from './camera-clock.ts';
import { readCapabilities, readDeviceInformation, readServices } from './device.ts';
import type { ServiceAddresses } from './device.ts';
import { fetchSnapshot, readProfiles, readSnapshotUri, readStreamUri } from './media.ts';
import * as ptz from './ptz.ts';
import { SoapSession, parseUrl } from './soap/session.ts';
import { OnvifError } from './types.ts';
import type { ClockSource, OnvifClient, OnvifClientOptions, OnvifFacts, OnvifPreset, OnvifTarget, PtzVelocity, PullPoint } from './types.ts';
import { reachable } from './xml-read.ts';

export const DEFAULT_TIMEOUT_MS = 8000;

export function onvifClient(target: OnvifTarget, opts: OnvifClientOptions = {}): OnvifClient {
  return new CameraClient(target, opts);
}

type Service = 'media' | 'ptz' | 'events';

class CameraClient implements OnvifClient {
  private readonly session: SoapSession;
  private readonly deviceUrl: URL;
  private readonly log: Logger | undefined;
  private services: Promise<ServiceAddresses> | undefined;
  private readonly snapshotUris = new Map<string, string>();
  private clockSource: ClockSource = 'none';

  constructor(private readonly target: OnvifTarget, opts: OnvifClientOptions) {
    this.deviceUrl = parseUrl(target.xaddr, 'device service');
    this.log = opts.log?.child({ module: 'onvif', host: this.deviceUrl.host });
    this.session = new SoapSession({ username: target.username, password: target.password, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, log: this.log, resyncAfterMs: opts.resyncAfterMs });
    this.session.resync = () => this.measureSkew();
  }

  async facts(): Promise<OnvifFacts> {
    this.services = undefined; // a refresh reads everything again
    const services = await this.resolveServices();
    const info = await readDeviceInformation(this.session, this.target.xaddr);
    if (!services.media) throw new OnvifError('unsupported', `${this.deviceUrl.host} GetProfiles: the camera names no Media service`);
    const profiles = await readProfiles(this.session, services.media);
    for (const profile of profiles) {
      profile.streamUri = await this.optional(readStreamUri(this.session, services.media, profile.token), 'GetStreamUri');
      profile.snapshotUri = await this.optional(readSnapshotUri(this.session, services.media, profile.token), 'GetSnapshotUri');
      if (profile.snapshotUri) this.snapshotUris.set(profile.token, profile.snapshotUri);
    }
    return {
      ...info,
      clockSkewMs: this.session.skewMs,
      clockSource: this.clockSource,
      services: Object.fromEntries(Object.entries({ media: services.media, media2: services.media2, ptz: services.ptz, events: services.events }).filter(([, v]) => v)),
      capabilities: { ptz: Boolean(services.ptz) && profiles.some((p) => p.ptz), events: Boolean(services.events) && services.pullPoint !== false },
      profiles,
    };
  }

  async snapshot(profileToken: string): Promise<Buffer> {
    let uri = this.snapshotUris.get(profileToken);
    if (!uri) {
      uri = await readSnapshotUri(this.session, await this.service('media', 'GetSnapshotUri'), profileToken);
      if (!uri) throw new OnvifError('unsupported', `${this.deviceUrl.host} GetSnapshotUri: no snapshot URI for this profile`);
      this.snapshotUris.set(profileToken, uri);
    }
    return fetchSnapshot(this.session, uri);
  }

  async continuousMove(profileToken: string, v: PtzVelocity, timeoutSec?: number): Promise<void> {
    await ptz.continuousMove(this.session, await this.service('ptz', 'ContinuousMove'), profileToken, v, timeoutSec);
  }

  async stop(profileToken: string): Promise<void> {
    await ptz.stop(this.session, await this.service('ptz', 'Stop'), profileToken);
  }

  async presets(profileToken: string): Promise<OnvifPreset[]> {
    return ptz.presets(this.session, await this.service('ptz', 'GetPresets'), profileToken);
  }

  async gotoPreset(profileToken: string, presetToken: string): Promise<void> {
    await ptz.gotoPreset(this.session, await this.service('ptz', 'GotoPreset'), profileToken, presetToken);
  }

  async setPreset(profileToken: string, name: string, presetToken?: string): Promise<string> {
    return ptz.setPreset(this.session, await this.service('ptz', 'SetPreset'), profileToken, name, presetToken);
  }

  async removePreset(profileToken: string, presetToken: string): Promise<void> {
    await ptz.removePreset(this.session, await this.service('ptz', 'RemovePreset'), profileToken, presetToken);
  }

  async createPullPoint(terminationSec: number): Promise<PullPoint> {
    return createPullPoint(this.session, await this.service('events', 'CreatePullPointSubscription'), this.deviceUrl, terminationSec);
  }

  private async service(name: Service, operation: string): Promise<string> {
    const url = (await this.resolveServices())[name];
    if (!url) throw new OnvifError('unsupported', `${this.deviceUrl.host} ${operation}: the camera names no ${name} service`);
    return url;
  }

  /** Clock skew first (WS-Security needs it), then the service addresses; kept until the next facts(). */
  private resolveServices(): Promise<ServiceAddresses> {
    this.services ??= this.readServiceAddresses().catch((err: unknown) => {
      this.services = undefined; // the next call tries again
      throw err;
    });
    return this.services;
  }

  private async readServiceAddresses(): Promise<ServiceAddresses> {
    const url = this.target.xaddr;
    await this.measureSkew();
    const caps = await this.optional(readCapabilities(this.session, url), 'GetCapabilities');
    const listed = await this.optional(readServices(this.session, url), 'GetServices');
    if (!caps && !listed) throw new OnvifError('unsupported', `${this.deviceUrl.host}: neither GetCapabilities nor GetServices answered`);
    const merged: ServiceAddresses = { ...caps, ...Object.fromEntries(Object.entries(listed ?? {}).filter(([, v]) => v)) };
    const out: ServiceAddresses = {};
    for (const key of ['media', 'media2', 'ptz', 'events'] as const) {
      const addr = reachable(merged[key], this.deviceUrl);
      if (addr) out[key] = addr;
    }
    if (merged.pullPoint !== undefined) out.pullPoint = merged.pullPoint;
    return out;
  }

  private async measureSkew(): Promise<void> {
    const clock = await readCameraClock(this.session, this.target.xaddr, this.log);
    this.session.skewMs = clock.skewMs;
    this.session.skewMeasuredAt = Date.now();
    this.clockSource = clock.source;
  }

  /** A call the camera may not support: a fault, unsupported or unreadable answer is logged and read as absent; auth and network failures are not. */
  private async optional<T>(p: Promise<T>, operation: string): Promise<T | undefined> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof OnvifError && (err.kind === 'fault' || err.kind === 'unsupported' || err.kind === 'malformed')) {
        this.log?.info({ operation, kind: err.kind, fault: err.fault }, 'optional ONVIF call failed');
        return undefined;
      }
      throw err;
    }
  }
}
