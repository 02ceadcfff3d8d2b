// Devices behind a SIP proxy in front of the nodes (Kamailio's dispatcher, see
// docker/kamailio): their requests reach us from the proxy's address, with the
// proxy's Via on top of the device's. Only for addresses listed in
// gb28181.edgeProxies do we believe what the proxy says: the device's own
// address (the Via below the proxy's, stamped with received/rport) and the
// route back to it (its REGISTER's Path, RFC 3327). Anyone else's Via and Path
// are ignored, so a device cannot steer our requests to a third party.
import type { DeviceRemote } from './devices.ts';
import { parseVia, splitHeaderList, SipParseError, type SipRemote, type SipRequest } from './sip/index.ts';

export class EdgeProxies {
  private readonly addresses: ReadonlySet<string>;

  constructor(addresses: readonly string[]) {
    this.addresses = new Set(addresses.map(plainAddress));
  }

  /** The request was relayed by a trusted proxy (it came from one, and carries a Via below the proxy's). */
  relayed(req: SipRequest, remote: SipRemote): boolean {
    return this.addresses.has(plainAddress(remote.address)) && req.headers.getAll('Via').length >= 2;
  }

  /** The device's own address: the sender's, or behind a trusted proxy the one the proxy saw. */
  deviceAddress(req: SipRequest, remote: SipRemote): { address: string; port: number } {
    if (!this.relayed(req, remote)) return { address: remote.address, port: remote.port };
    return viaSource(req.headers.getAll('Via')[1]!) ?? { address: remote.address, port: remote.port };
  }

  /**
   * Where we reach the device that sent this REGISTER: the sender itself, or,
   * through a trusted proxy, the proxy (next hop) with the Path as the Route
   * set and the device's own address for the Request-URI and the media filter.
   */
  bindingOf(req: SipRequest, remote: SipRemote): DeviceRemote {
    if (!this.relayed(req, remote)) return { ...remote };
    const device = this.deviceAddress(req, remote);
    const route = req.headers.getAll('Path').flatMap(splitHeaderList).map((p) => p.trim()).filter(Boolean);
    return { ...remote, proxied: { route, address: device.address, port: device.port } };
  }
}

/** The device's own address and port on a request that crossed the proxy: received/rport, else what the device wrote. */
function viaSource(via: string): { address: string; port: number } | undefined {
  try {
    const v = parseVia(via);
    const received = v.params.get('received');
    const rport = Number(v.params.get('rport'));
    return { address: received || v.host.replace(/^\[|\]$/g, ''), port: Number.isInteger(rport) && rport > 0 ? rport : v.port ?? 5060 };
  } catch (err) {
    if (err instanceof SipParseError) return undefined; // an unreadable Via: treat the proxy as the sender
    throw err;
  }
}

const plainAddress = (address: string) => (address.startsWith('::ffff:') ? address.slice(7) : address);

/** Where a device's media and the host of our Request-URIs come from: the device itself, not the proxy. */
export function deviceAddressOf(remote: DeviceRemote): { address: string; port: number } {
  return remote.proxied ? { address: remote.proxied.address, port: remote.proxied.port } : { address: remote.address, port: remote.port };
}

/** Route headers for a request out of a dialog to the device: its Path when it registered through a proxy. */
export function routeTo(remote: DeviceRemote): Record<string, string> | undefined {
  return remote.proxied?.route.length ? { Route: remote.proxied.route.join(', ') } : undefined;
}
