// Many simulated GB28181 devices behind one SIP socket (UDP and TCP on one
// port), as an NVR or a load generator would be: requests from the platform
// are routed by the Request-URI's user (a device or one of its channels),
// and one timer wheel sends everybody's keepalives.
import { parseUri, SipEndpoint, SipTransport, type SipRemote, type SipRequest, type SipResponse } from '../../../gateway/gb28181/sip/index.ts';
import { DeviceAnswers } from './device-answers.ts';
import { GbDeviceSim, type GbDeviceOptions } from './device.ts';
import { Pacer } from './media-streams.ts';

export interface GbSimHostOptions {
  platform: { host: string; port: number; id: string; domain: string };
  /** Address the devices sit at (default 127.0.0.1). */
  host?: string;
  /** SIP towards the platform (default udp). */
  sipTransport?: 'udp' | 'tcp';
  /** Called for each keepalive that failed (the CLI logs them). */
  onKeepaliveError?: (device: GbDeviceSim, err: Error) => void;
}

export class GbSimHost {
  readonly pacer = new Pacer();
  private readonly devices = new Map<string, GbDeviceSim>();
  private readonly owners = new Map<string, GbDeviceSim>();
  private readonly answers: DeviceAnswers;
  private readonly wheel: NodeJS.Timeout;
  readonly keepalives = { sent: 0, failed: 0 };

  private constructor(private readonly o: GbSimHostOptions, private readonly transport: SipTransport, readonly sip: SipEndpoint) {
    this.answers = new DeviceAnswers(sip, this.pacer, this.address);
    sip.onRequest = (req, remote) => this.route(req, remote);
    this.wheel = setInterval(() => this.keepaliveTick(), 100);
    this.wheel.unref();
  }

  static async start(o: GbSimHostOptions): Promise<GbSimHost> {
    const transport = new SipTransport({ host: o.host ?? '127.0.0.1', port: 0, maxConnectionsPerAddress: 64 });
    await transport.listen();
    // Generous timers: a loaded platform may answer late, which is what a load test measures.
    const sip = new SipEndpoint({ transport, timers: { transactionMs: 30_000 } });
    return new GbSimHost(o, transport, sip);
  }

  get address(): string {
    return this.o.host ?? '127.0.0.1';
  }

  get port(): number {
    return this.transport.address().port;
  }

  addDevice(options: GbDeviceOptions): GbDeviceSim {
    const transport = this.o.sipTransport ?? 'udp';
    const remote: SipRemote = { transport, address: this.o.platform.host, port: this.o.platform.port };
    const device = new GbDeviceSim(options, {
      request: (req: SipRequest): Promise<SipResponse> => this.sip.request(remote, req),
      platform: { id: this.o.platform.id, domain: this.o.platform.domain, remote },
      via: { transport, host: this.address, port: this.port },
    });
    this.devices.set(device.deviceId, device);
    this.owners.set(device.deviceId, device);
    for (const c of device.channelIds) this.owners.set(c, device);
    return device;
  }

  device(id: string): GbDeviceSim | undefined {
    return this.devices.get(id);
  }

  all(): GbDeviceSim[] {
    return [...this.devices.values()];
  }

  async close(): Promise<void> {
    clearInterval(this.wheel);
    for (const d of this.devices.values()) d.close();
    this.sip.close();
    await this.transport.close();
  }

  private async route(req: SipRequest, remote: SipRemote): Promise<void> {
    let target: string | undefined;
    try {
      target = parseUri(req.uri).user;
    } catch {
      target = undefined; // answered 404 below
    }
    const device = target ? this.owners.get(target) : undefined;
    if (!device || !target) {
      if (req.method !== 'ACK') await this.sip.respond(req, remote, 404);
      return;
    }
    await this.answers.handle(device, req, remote, target);
  }

  private keepaliveTick(): void {
    const now = Date.now();
    for (const d of this.devices.values()) {
      if (!d.keepaliveDue(now)) continue;
      this.keepalives.sent++;
      d.sendKeepalive().then((status) => {
        if (status !== 200) throw new Error(`keepalive answered ${status}`);
      }).catch((err: Error) => {
        this.keepalives.failed++;
        this.o.onKeepaliveError?.(d, err);
      });
    }
  }
}
