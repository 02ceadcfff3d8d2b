// 大屏: the hall's display wall at 1920×1080. Today's key figures, a live
// alarm ticker, four video tiles (the wall's own tile player) and the map.
// Refreshed by events, never by a timer that reloads everything; the ticker
// keeps a fixed number of entries so memory stays flat over days.
import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { api } from '../api/client.ts';
import { on } from '../api/events.ts';
import type { Incident } from '../api/types.ts';
import { formatTime, label, t } from '../i18n/index.ts';
import { MapCanvas } from '../map/map-canvas.tsx';
import { followMap, loadMap, mapConfig } from '../map/map-state.ts';
import { go } from '../router.ts';
import { onNewIncident, openIncidents } from '../store/incidents.ts';
import { channels, channelState } from '../store/registry.ts';
import { Tile } from '../wall/tile.tsx';
import { wall } from '../wall/wall-state.ts';
import { Chart } from './chart.tsx';
import type { DeviceHealth } from './figures.ts';
import { windowOf, windowQuery } from './period.ts';
import './big-screen.css';

interface Today {
  total: number;
  byType: Array<{ key: string; count: number }>;
  hourly: Array<{ key: string; count: number }>;
  breachRate: number;
  online: number | null;
}

const TICKER_SIZE = 12;
/** Events come in bursts: figures are read again at most this often. */
const REFRESH_MS = 5000;

const today = signal<Today | null>(null);
const ticker = signal<Incident[]>([]);

async function readToday(): Promise<void> {
  const q = windowQuery(windowOf({ kind: 'today' }));
  const [byType, hourly, sla, devices] = await Promise.all([
    api<{ items: Today['byType'] }>(`/api/stats/incidents?by=type&${q}`),
    api<{ items: Today['hourly'] }>(`/api/stats/incidents?by=hour&${q}`),
    api<{ breachRate: number }>(`/api/stats/sla?${q}`),
    api<DeviceHealth>('/api/stats/devices'),
  ]);
  const all = devices.byKind.reduce((a, g) => ({ n: a.n + g.devices, on: a.on + g.online }), { n: 0, on: 0 });
  today.value = {
    total: byType.items.reduce((n, i) => n + i.count, 0), byType: byType.items.slice(0, 6),
    hourly: hourly.items.sort((a, b) => (a.key < b.key ? -1 : 1)), breachRate: sla.breachRate, online: all.n ? all.on / all.n : null,
  };
}

/** Reads the figures again after an event, at most once per REFRESH_MS. */
function followToday(): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const soon = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      readToday().catch((err: unknown) => console.warn('big screen: figures not read', err));
    }, REFRESH_MS);
  };
  const offs = [
    on('incident.created', soon), on('incident.transition', soon), on('device.status', soon),
    on('connection', ({ open }) => open && soon()),
    onNewIncident((i) => (ticker.value = [i, ...ticker.value].slice(0, TICKER_SIZE))),
  ];
  return () => {
    clearTimeout(timer);
    for (const off of offs) off();
  };
}

/** The wall's first four tiles, else the first cameras online. */
function fourChannels(): Array<string | null> {
  const chosen = wall.value.tiles.filter((id): id is string => !!id).slice(0, 4);
  for (const c of channels.value) {
    if (chosen.length >= 4) break;
    if (!chosen.includes(c.id) && channelState(c) !== 'offline') chosen.push(c.id);
  }
  return [0, 1, 2, 3].map((i) => chosen[i] ?? null);
}

const pct = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 1000) / 10}%`);

export function BigScreen() {
  useEffect(() => {
    void loadMap();
    const stopMap = followMap();
    const stopToday = followToday();
    readToday().catch((err: unknown) => console.warn('big screen: figures not read', err));
    document.documentElement.classList.add('big-screen-on');
    return () => {
      stopMap();
      stopToday();
      document.documentElement.classList.remove('big-screen-on');
    };
  }, []);
  const d = today.value;
  const config = mapConfig.value;
  return (
    <div class="big-screen" data-testid="big-screen">
      <header>
        <h1>{t('screen.title')}</h1>
        <button class="exit" data-testid="big-screen-exit" onClick={() => go('dashboard')}>{t('screen.exit')}</button>
      </header>
      <section class="screen-kpis">
        <div class="kpi"><span>{t('screen.today')}</span><strong data-testid="screen-today">{d?.total ?? '—'}</strong></div>
        <div class="kpi"><span>{t('screen.open')}</span><strong data-testid="screen-open">{openIncidents.value.length}</strong></div>
        <div class="kpi"><span>{t('screen.online')}</span><strong data-testid="screen-online">{pct(d?.online ?? null)}</strong></div>
        <div class="kpi"><span>{t('screen.sla')}</span><strong data-testid="screen-sla">{pct(d?.breachRate ?? null)}</strong></div>
      </section>
      <section class="screen-map" data-testid="screen-map">
        {config ? <MapCanvas config={config} /> : <div class="slot">{t('screen.map')}</div>}
      </section>
      <section class="screen-side">
        <h2>{t('screen.ticker')}</h2>
        <ol class="ticker" data-testid="screen-ticker">
          {ticker.value.map((i) => (
            <li key={i.id} class={`sev-${i.severity}`} data-id={i.id}>
              <span class="time">{formatTime(i.createdAt)}</span>
              <span class={`badge ${i.severity}`}>{label('severity', i.severity)}</span>
              <span class="what">{label('type', i.type)}{i.title ? ` · ${i.title}` : ''}</span>
            </li>
          ))}
        </ol>
        <div class="screen-charts">
          <Chart kind="bar" testId="screen-hourly" fontSize={22} height={200} data={(d?.hourly ?? []).map((h) => ({ key: h.key, label: `${new Date(h.key).getHours()}`, value: h.count }))} />
          <Chart kind="hbar" testId="screen-types" fontSize={22} height={220} data={(d?.byType ?? []).map((x) => ({ key: x.key, label: label('type', x.key), value: x.count }))} />
        </div>
      </section>
      <section class="screen-video" data-testid="screen-video">
        {/* An empty slot says so in hall-sized type (the wall's own hint, "click a camera on the left", has no left here). */}
        {fourChannels().map((id, i) => (id
          ? <Tile key={i} index={900 + i} channelId={id} mode={wall.value.mode} area={[(i % 2) + 1, Math.floor(i / 2) + 1, 1]} alarm={undefined} isAlarmTile={false} />
          : <div key={i} class="screen-empty" data-testid="screen-empty">{t('screen.noVideo')}</div>))}
      </section>
    </div>
  );
}
