// ONVIF: the public entry of the room. The contract (types.ts) the registry and
// the PTZ/events rooms code against; the SOAP plumbing lives in soap/, the
// operations in client.ts (device, media, ptz, events), discovery in discovery.ts.
export * from './types.ts';
export { onvifClient } from './client.ts';
export { discover } from './discovery.ts';

/** http://host[:port]/onvif/device_service — IPv6 literals bracketed. */
export function deviceServiceUrl(host: string, port?: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${h}${port && port !== 80 ? `:${port}` : ''}/onvif/device_service`;
}
