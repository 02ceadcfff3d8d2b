// The address devices reach the platform at (Via, Contact, SDP c=): the
// configured one, else the host we listen on when it is a concrete address,
// else this machine's first non-internal IPv4.
import { networkInterfaces } from 'node:os';
import type { Gb28181Config } from './config.ts';

export function announceAddress(config: Pick<Gb28181Config, 'announceAddress' | 'host'>): string {
  if (config.announceAddress) return config.announceAddress;
  if (config.host !== '0.0.0.0' && config.host !== '::') return config.host;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
