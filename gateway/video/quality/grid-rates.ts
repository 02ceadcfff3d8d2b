// Per grid cell (网格): how many of its enabled cameras are online, and how
// many of those looked at show a clean picture. A cell counts the cameras
// in it and in every cell below it, so a district sums its streets.
import type { RegistryService } from '../../../device-registry/index.ts';
import type { QualityResult } from './channel-quality.ts';

export interface GridRates {
  gridCode: string;
  name: string;
  level: string;
  parentCode: string | null;
  /** Enabled channels in the cell and below. */
  channels: number;
  /** Online now, or idle (on demand and nobody watching: no fault). */
  online: number;
  onlineRate: number | null;
  /** Looked at by quality diagnosis. */
  checked: number;
  /** Looked at, and no defect in the last look. */
  good: number;
  qualityRate: number | null;
}

const ONLINE_STATES = new Set(['online', 'idle']);
const rate = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 1000 : null);

export async function gridRates(registry: RegistryService, resultOf: (channelId: string) => QualityResult | undefined): Promise<GridRates[]> {
  const cells = new Map<string, GridRates>();
  for await (const row of registry.all('grids')) {
    const doc = row.doc as { name: string; level: string; parentCode?: string | null };
    cells.set(row.id, { gridCode: row.id, name: doc.name, level: doc.level, parentCode: doc.parentCode ?? null, channels: 0, online: 0, onlineRate: null, checked: 0, good: 0, qualityRate: null });
  }
  for await (const row of registry.all('channels')) {
    const doc = row.doc as { enabled: boolean; gridCode?: string | null };
    if (!doc.enabled || !doc.gridCode) continue;
    const online = ONLINE_STATES.has(row.status.state);
    const result = resultOf(row.id);
    // The cell and its ancestors; the registry refuses loops, the bound guards a damaged store anyway.
    let code: string | null | undefined = doc.gridCode;
    for (let depth = 0; code && depth < 16; depth++) {
      const cell = cells.get(code);
      if (!cell) break;
      cell.channels++;
      if (online) cell.online++;
      if (result) cell.checked++;
      if (result?.verdict === 'ok') cell.good++;
      code = cell.parentCode;
    }
  }
  const out = [...cells.values()].sort((a, b) => a.gridCode.localeCompare(b.gridCode));
  for (const c of out) {
    c.onlineRate = rate(c.online, c.channels);
    c.qualityRate = rate(c.good, c.checked);
  }
  return out;
}
