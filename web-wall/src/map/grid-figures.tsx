// A grid cell's figures: its devices online (of all, the cell and the cells
// under it), open incidents, and the SLA breach rate of the last 30 days.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { t } from '../i18n/index.ts';
import { gridLevelName } from '../i18n/vocabulary.ts';
import { openIncidents } from '../store/incidents.ts';
import { channelFeatures, gridFeatures, sensorFeatures, statusOf } from './map-state.ts';

interface SlaRow { key?: string; gridCode?: string; dispatched: number; breached: number; breachRate: number }

function cellAndBelow(code: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const f of gridFeatures.value) {
    const parent = f.properties.parentCode;
    if (parent) children.set(parent, [...(children.get(parent) ?? []), f.properties.code]);
  }
  const out = new Set<string>();
  const walk = (c: string) => { if (out.has(c)) return; out.add(c); for (const k of children.get(c) ?? []) walk(k); };
  walk(code);
  return out;
}

export function GridFigures({ code }: { code: string }) {
  const cell = gridFeatures.value.find((f) => f.properties.code === code)?.properties;
  const cells = cellAndBelow(code);
  const devices = [
    ...channelFeatures.value.map((f) => ({ f, status: statusOf('channel', f) })),
    ...sensorFeatures.value.map((f) => ({ f, status: statusOf('sensor', f) })),
  ].filter(({ f }) => f.properties.gridCode && cells.has(f.properties.gridCode));
  const online = devices.filter((d) => d.status === 'online' || d.status === 'idle' || d.status === 'normal').length;
  const open = openIncidents.value.filter((i) => i.gridCode && cells.has(i.gridCode)).length;
  const [sla, setSla] = useState<SlaRow[] | null>(null);
  useEffect(() => {
    let current = true;
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString();
    api<{ items: SlaRow[] }>(`/api/stats/sla/by?by=grid&from=${encodeURIComponent(from)}`)
      .then((r) => { if (current) setSla(r.items); })
      .catch(() => { if (current) setSla([]); });
    return () => { current = false; };
  }, [code]);
  const rows = (sla ?? []).filter((r) => cells.has(r.key ?? r.gridCode ?? ''));
  const dispatched = rows.reduce((n, r) => n + r.dispatched, 0);
  const breached = rows.reduce((n, r) => n + r.breached, 0);
  return (
    <section class="grid-figures" data-testid="grid-figures" data-grid={code}>
      <h3>{cell?.name ?? code} <span class="muted">{cell ? gridLevelName(cell.level) : ''} · {code}</span></h3>
      <dl class="facts">
        <dt>{t('map.devicesOnline')}</dt><dd data-figure="online">{online} / {devices.length}</dd>
        <dt>{t('map.openIncidents')}</dt><dd data-figure="open">{open}</dd>
        <dt>{t('map.slaBreach')}</dt><dd data-figure="sla">{sla === null ? '…' : dispatched ? `${Math.round((breached / dispatched) * 1000) / 10}% (${breached}/${dispatched})` : '—'}</dd>
      </dl>
    </section>
  );
}
