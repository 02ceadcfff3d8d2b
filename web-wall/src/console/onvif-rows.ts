// The ONVIF page's list: discovered devices and addresses typed in, which of
// them are picked, their credentials; and the import rows they make
// (kind=onvif rows of POST /api/import, read from each camera by the gateway).
import type { DiscoveredOnvif } from '../api/types.ts';

export interface OnvifRow {
  key: string;
  host: string;
  port?: number;
  /** What the probe said (absent for an address typed in). */
  found?: DiscoveredOnvif;
  registered: string | null;
  picked: boolean;
  name: string;
  /** Blank: the shared credentials. */
  username: string;
  password: string;
}

export const rowKey = (host: string, port?: number) => `${host}:${port ?? 80}`;

/** A discovered device as a list row: picked unless it is registered already. */
export function rowOfDevice(d: DiscoveredOnvif): OnvifRow | undefined {
  if (!d.host) return undefined;
  return {
    key: rowKey(d.host, d.port), host: d.host, port: d.port, found: d, registered: d.registered, picked: d.registered === null,
    name: d.name ?? d.hardware ?? d.host, username: '', password: '',
  };
}

/** New scan results merged into the list: rows typed in and what people changed stay. */
export function mergeRows(current: OnvifRow[], found: DiscoveredOnvif[]): OnvifRow[] {
  const byKey = new Map(current.map((r) => [r.key, r]));
  for (const d of found) {
    const row = rowOfDevice(d);
    if (!row) continue;
    const had = byKey.get(row.key);
    byKey.set(row.key, had ? { ...had, found: d, registered: d.registered } : row);
  }
  return [...byKey.values()];
}

export interface Shared { username: string; password: string; gridCode: string }

/** The import rows of the picked devices: a row's own credentials win over the shared ones. */
export function importRows(rows: OnvifRow[], shared: Shared): Array<Record<string, unknown>> {
  return rows.filter((r) => r.picked).map((r) => ({
    kind: 'onvif',
    name: r.name.trim() || r.host,
    host: r.host,
    ...(r.port ? { port: r.port } : {}),
    username: r.username.trim() || shared.username,
    password: r.password || shared.password,
    ...(shared.gridCode ? { gridCode: shared.gridCode } : {}),
  }));
}
