// Many simulated ONVIF cameras in one process, each on its own HTTP port,
// and one WS-Discovery responder that answers for all of them.
import type { DiscoveryBehaviour } from './discovery.ts';
import { WsDiscoveryResponder } from './discovery.ts';
import { OnvifDeviceSim, type OnvifDeviceOptions } from './device.ts';

export interface OnvifSimHostOptions {
  /** Address the devices and the responder bind (default 127.0.0.1). */
  host?: string;
  devices?: OnvifDeviceOptions[];
  /** false: no responder; otherwise its behaviour (flood, malformed …). */
  discovery?: false | DiscoveryBehaviour;
  /** UDP port of the responder (default any). */
  discoveryPort?: number;
  /**
   * Each camera on its own loopback address (127.0.1.1, 127.0.1.2, …) instead of
   * `host`, its discovery answers sent from there: hundreds of cameras look like
   * hundreds of hosts to a client that bounds answers per sender. Linux only.
   */
  addressPerDevice?: boolean;
  /**
   * Each camera also answers Probes sent to its own address, on one port shared by all
   * (`rangePort`; any free one by default): what a client probing an address range reaches.
   */
  discoveryPerDevice?: boolean | { port: number };
}

export class OnvifSimHost {
  private added = 0;
  private readonly ownResponders = new Map<OnvifDeviceSim, WsDiscoveryResponder>();
  /** The port every camera answers Probes on at its own address (discoveryPerDevice). */
  rangePort: number | undefined;
  private constructor(private readonly o: OnvifSimHostOptions, readonly discovery: WsDiscoveryResponder | undefined, private readonly devices: Set<OnvifDeviceSim>) {}

  static async start(o: OnvifSimHostOptions = {}): Promise<OnvifSimHost> {
    const devices = new Set<OnvifDeviceSim>();
    const discovery = o.discovery === false
      ? undefined
      : await WsDiscoveryResponder.start(() => [...devices], { host: o.host, port: o.discoveryPort, behaviour: o.discovery ?? {} });
    const host = new OnvifSimHost(o, discovery, devices);
    await Promise.all((o.devices ?? []).map((d) => host.addDevice(d)));
    return host;
  }

  async addDevice(options: OnvifDeviceOptions): Promise<OnvifDeviceSim> {
    const host = this.o.addressPerDevice ? loopbackAddress(this.added) : this.o.host;
    this.added++;
    const dev = await new OnvifDeviceSim({ host, ...options }).listen();
    this.devices.add(dev);
    const own = this.o.discoveryPerDevice;
    if (own) {
      this.rangePort ??= typeof own === 'object' ? own.port : undefined;
      const responder = await WsDiscoveryResponder.start(() => [dev], { host: dev.host, port: this.rangePort ?? 0, behaviour: this.discovery?.behaviour ?? {} });
      this.rangePort = responder.port;
      this.ownResponders.set(dev, responder);
    }
    return dev;
  }

  async removeDevice(dev: OnvifDeviceSim): Promise<void> {
    this.devices.delete(dev);
    this.ownResponders.get(dev)?.close();
    this.ownResponders.delete(dev);
    await dev.close();
  }

  all(): OnvifDeviceSim[] {
    return [...this.devices];
  }

  /** By name, serial or device service URL. */
  device(key: string): OnvifDeviceSim | undefined {
    return this.all().find((d) => d.facts.name === key || d.facts.serial === key || d.xaddr === key);
  }

  /** Where tests send their Probe (unicast). */
  get discoveryAddress(): { host: string; port: number } | undefined {
    return this.discovery && { host: this.discovery.host, port: this.discovery.port };
  }

  async close(): Promise<void> {
    this.discovery?.close();
    for (const responder of this.ownResponders.values()) responder.close();
    this.ownResponders.clear();
    await Promise.all(this.all().map((d) => d.close()));
    this.devices.clear();
  }
}

/** 127.0.1.1 … 127.0.1.254, 127.0.2.1 …: clear of 127.0.0.1 where the gateway and the other simulators listen. */
function loopbackAddress(n: number): string {
  return `127.0.${1 + Math.floor(n / 254)}.${1 + (n % 254)}`;
}
