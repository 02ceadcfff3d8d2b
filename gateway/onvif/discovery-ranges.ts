// Address ranges probed one address at a time: multicast WS-Discovery stays in
// the subnet it is sent in (TTL 1), so cameras behind routers are found by a
// unicast Probe to each address of their subnets, as VMS "scan a range" does.
// '10.1.2.0/24' (network and broadcast addresses left out), '10.1.3.10-10.1.3.200', '10.1.4.7'.
import { OnvifError } from './types.ts';

/** Addresses one discovery may probe by range: a /16 in all. */
export const MAX_RANGE_ADDRESSES = 65_536;

export const RANGE_PATTERN = String.raw`^\d{1,3}(\.\d{1,3}){3}(/\d{1,2}|-\d{1,3}(\.\d{1,3}){3})?$`;

/** Every address of the ranges, in order, without repeats; throws OnvifError('malformed') naming the bad range. */
export function rangeAddresses(ranges: readonly string[], max = MAX_RANGE_ADDRESSES): string[] {
  const out = new Set<number>();
  for (const range of ranges) {
    const [first, last] = bounds(range.trim());
    if (out.size + (last - first + 1) > max) throw new OnvifError('malformed', `discovery ranges: more than ${max} addresses`);
    for (let a = first; a <= last; a++) out.add(a);
  }
  return [...out].map(dotted);
}

function bounds(range: string): [number, number] {
  const bad = () => new OnvifError('malformed', `discovery range ${JSON.stringify(range.slice(0, 40))}: want a.b.c.d, a.b.c.d/nn or a.b.c.d-e.f.g.h`);
  const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(range);
  if (cidr) {
    const base = ipv4(cidr[1] ?? '');
    const bits = Number(cidr[2]);
    if (base === undefined || bits > 32 || bits < 8) throw bad();
    const size = 2 ** (32 - bits);
    const network = base - (base % size);
    // A /30 or wider: its network and broadcast addresses are not hosts (and a broadcast send is refused).
    return size >= 4 ? [network + 1, network + size - 2] : [network, network + size - 1];
  }
  const [from, to] = range.split('-');
  const first = ipv4(from ?? '');
  const last = to === undefined ? first : ipv4(to);
  if (first === undefined || last === undefined || last < first) throw bad();
  return [first, last];
}

function ipv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

const dotted = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
