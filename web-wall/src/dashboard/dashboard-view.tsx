// The 研判 dashboard: a period, the figures of /api/stats/* as charts and
// tables (only the caller's cells: the gateway filters), each item drilling
// down to the list it counted; CSV of the view and a print stylesheet for the
// monthly report. Nothing here writes: operators see it read-only like everyone.
import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { label, t } from '../i18n/index.ts';
import { go, route } from '../router.ts';
import { departments, gridByCode } from '../store/registry.ts';
import { lazyView } from '../lazy-view.tsx';
import { Chart } from './chart.tsx';
import { download, figuresCsv } from './csv.ts';
import { DrillList, type Drill } from './drill-list.tsx';
import { drillQuery, slaDrillQuery, stepDrillQuery, type IncidentFigure, type Item, type SlaCount } from './drill.ts';
import { loadFigures, type Figures, type OfflineDevice } from './figures.ts';
import { localDay, windowOf, type Period, type PeriodKind } from './period.ts';
import './text.ts';
// The names of incident sources (人工上报, 传感器…) are the dispatch view's.
import '../dispatch/text.ts';
import './dashboard.css';

// The big screen draws the map too: Leaflet comes with it, not with the dashboard.
const BigScreen = lazyView(() => import('./big-screen.tsx').then((m) => m.BigScreen));

const period = signal<Period>({ kind: '7d' });
const figures = signal<Figures | null>(null);
const failure = signal<string | null>(null);
const drill = signal<Drill | null>(null);

async function reload(): Promise<void> {
  failure.value = null;
  try {
    figures.value = await loadFigures(windowOf(period.value));
  } catch (err) {
    failure.value = (err as Error).message;
  }
}

const gridName = (code: string) => (code === '(none)' ? t('dash.none') : gridByCode.value.get(code)?.name ?? code);
const pct = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 1000) / 10}%`);
const duration = (s: number) => (s < 120 ? t('dash.seconds', { n: Math.round(s) }) : s < 7200 ? t('dash.minutes', { n: Math.round(s / 60) }) : t('dash.hours', { n: Math.round(s / 360) / 10 }));

const LABELS: Record<IncidentFigure, (key: string) => string> = {
  type: (k) => label('type', k), sensor: (k) => label('type', k), source: (k) => label('source', k), grid: gridName,
  severity: (k) => label('severity', k), hour: (k) => new Date(k).toLocaleString(undefined, { month: '2-digit', day: '2-digit', hour: '2-digit', hour12: false }), day: (k) => k.slice(5),
};

function openIncidents(figure: IncidentFigure, key: string) {
  const f = figures.value!;
  drill.value = { kind: 'incidents', what: `${t(`dash.${FIGURE_TITLES[figure]}`)} · ${LABELS[figure](key)}`, query: drillQuery(figure, key, f.window) };
}
const FIGURE_TITLES: Record<IncidentFigure, string> = { type: 'byType', source: 'bySource', grid: 'byGrid', severity: 'bySeverity', hour: 'hourly', day: 'daily', sensor: 'sensorAlarms' };

function Card({ title, children, wide }: { title: string; children: preact.ComponentChildren; wide?: boolean }) {
  return <section class={`card${wide ? ' wide' : ''}`}><h3>{title}</h3>{children}</section>;
}

function CountChart({ figure, items, kind, testId }: { figure: IncidentFigure; items: Item[]; kind: 'bar' | 'line' | 'pie' | 'hbar'; testId: string }) {
  return (
    <Card title={t(`dash.${FIGURE_TITLES[figure]}`)} wide={figure === 'hour' || figure === 'day'}>
      <Chart kind={kind} testId={testId} data={items.map((i) => ({ key: i.key, label: LABELS[figure](i.key), value: i.value }))} onPick={(key) => openIncidents(figure, key)} />
      {/* The figures as text too: printed, read by a screen reader, compared by the tests. */}
      <ul class="figure-list" data-testid={`${testId}-items`}>
        {items.map((i) => (
          <li key={i.key}><button class="link" data-key={i.key} data-value={i.value} onClick={() => openIncidents(figure, i.key)}>{LABELS[figure](i.key)}: {i.value}</button></li>
        ))}
      </ul>
    </Card>
  );
}

function PeriodPicker() {
  const p = period.value;
  const set = (next: Period) => {
    period.value = next;
    drill.value = null;
    void reload();
  };
  return (
    <div class="period no-print" role="group" aria-label={t('dash.period')}>
      {(['today', '7d', '30d', 'custom'] as PeriodKind[]).map((k) => (
        <button key={k} class={p.kind === k ? 'active' : ''} data-testid={`period-${k}`}
          onClick={() => set(k === 'custom' ? { kind: k, fromDay: p.fromDay ?? localDay(Date.now() - 6 * 86_400_000), toDay: p.toDay ?? localDay(Date.now()) } : { kind: k })}>
          {t(`dash.period.${k}`)}
        </button>
      ))}
      {p.kind === 'custom' && (
        <>
          <label>{t('dash.from')} <input type="date" data-testid="period-from" value={p.fromDay} onChange={(e) => set({ ...p, fromDay: (e.target as HTMLInputElement).value })} /></label>
          <label>{t('dash.to')} <input type="date" data-testid="period-to" value={p.toDay} onChange={(e) => set({ ...p, toDay: (e.target as HTMLInputElement).value })} /></label>
        </>
      )}
    </div>
  );
}

/** An SLA row's count drills to the incidents it counted (the breach rate's row to its breached ones). */
function SlaTable({ rows, by, keyLabel, testId }: { rows: Figures['slaByGrid']; by: 'department' | 'grid'; keyLabel: (k: string) => string; testId: string }) {
  const open = (key: string, which: SlaCount) => {
    const f = figures.value!;
    drill.value = { kind: 'incidents', what: `${t(by === 'grid' ? 'dash.slaByGrid' : 'dash.slaByDepartment')} · ${keyLabel(key)} · ${t(`dash.col.${which}`)}`, query: slaDrillQuery(by, key, which, f.window) };
  };
  const count = (key: string, which: SlaCount, n: number) => (
    <button class="link" data-count={which} data-value={n} onClick={() => open(key, which)}>{n}</button>
  );
  return (
    <table class="figures" data-testid={testId}>
      <thead><tr><th>{t('dash.col.key')}</th><th>{t('dash.col.dispatched')}</th><th>{t('dash.col.breached')}</th><th>{t('dash.col.rate')}</th></tr></thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} data-key={r.key}>
            <td><button class="link" onClick={() => open(r.key, 'breached')}>{keyLabel(r.key)}</button></td>
            <td>{count(r.key, 'dispatched', r.dispatched)}</td><td>{count(r.key, 'breached', r.breached)}</td><td>{pct(r.breachRate)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A step of the closed loop drills to the incidents that reached its status in the period. */
function openStep(status: string): void {
  const f = figures.value!;
  drill.value = { kind: 'incidents', what: `${t('dash.steps')} · ${label('status', status)}`, query: stepDrillQuery(status, f.window) };
}

const openDevice = (d: OfflineDevice) => (drill.value = { kind: 'device', what: `${t('dash.longestOffline')} · ${d.name}`, entity: d.entity, id: d.id });

function HealthTable({ rows, by, testId }: { rows: Figures['devices']['byKind']; by: 'kind' | 'grid'; testId: string }) {
  const name = (k: string) => (by === 'grid' ? gridName(k) : k === 'camera' ? t('dash.camera') : k);
  return (
    <table class="figures" data-testid={testId}>
      <thead><tr><th>{t('dash.col.key')}</th><th>{t('dash.col.devices')}</th><th>{t('dash.col.online')}</th><th>{t('dash.col.onlineRate')}</th></tr></thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} data-key={r.key}>
            <td><button class="link" onClick={() => (drill.value = { kind: 'devices', what: name(r.key), by, key: r.key })}>{name(r.key)}</button></td>
            <td>{r.devices}</td><td>{r.online}</td><td>{pct(r.onlineRate)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const csvLabel = (name: string) => (name === 'period' ? t('dash.period.label') : t(`dash.${name}`));

function Figures({ f }: { f: Figures }) {
  const deptName = (k: string) => (k === '(none)' ? t('dash.none') : departments.value.find((d) => d.id === k)?.name ?? k);
  const online = f.devices.byKind.reduce((a, g) => ({ devices: a.devices + g.devices, online: a.online + g.online }), { devices: 0, online: 0 });
  return (
    <>
      <div class="kpis" data-testid="kpis">
        <div class="kpi"><span>{t('dash.total')}</span><strong data-testid="kpi-total">{f.total}</strong></div>
        <div class="kpi"><span>{t('dash.dispatched')}</span><strong data-testid="kpi-dispatched">{f.sla.dispatched}</strong></div>
        <div class="kpi"><span>{t('dash.slaRate')}</span><strong data-testid="kpi-sla">{pct(f.sla.breachRate)}</strong></div>
        <div class="kpi"><span>{t('dash.onlineRate')}</span><strong data-testid="kpi-online">{pct(online.devices ? online.online / online.devices : null)}</strong></div>
      </div>
      <div class="cards">
        <CountChart figure="day" items={f.daily} kind="line" testId="chart-daily" />
        <CountChart figure="hour" items={f.hourly} kind="bar" testId="chart-hourly" />
        <CountChart figure="type" items={f.byType} kind="hbar" testId="chart-type" />
        <CountChart figure="source" items={f.bySource} kind="pie" testId="chart-source" />
        <CountChart figure="severity" items={f.bySeverity} kind="pie" testId="chart-severity" />
        <CountChart figure="grid" items={f.topGrids} kind="hbar" testId="chart-top-grids" />
        <CountChart figure="sensor" items={f.sensorAlarms} kind="bar" testId="chart-sensor" />
        <Card title={t('dash.steps')}>
          <Chart kind="bar" testId="chart-steps" data={f.steps.map((s) => ({ key: s.to, label: label('status', s.to), value: Math.round(s.avgSeconds) }))} onPick={openStep} />
          <table class="figures" data-testid="steps">
            <thead><tr><th>{t('dash.col.step')}</th><th>{t('dash.col.incidents')}</th><th>{t('dash.col.count')}</th><th>{t('dash.col.avg')}</th><th>{t('dash.col.max')}</th></tr></thead>
            <tbody>
              {f.steps.map((s) => (
                <tr key={s.to} data-key={s.to}>
                  <td><button class="link" onClick={() => openStep(s.to)}>{label('status', s.to)}</button></td>
                  <td><button class="link" data-value={s.incidents} onClick={() => openStep(s.to)}>{s.incidents}</button></td>
                  <td>{s.count}</td><td>{duration(s.avgSeconds)}</td><td>{duration(s.maxSeconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
        <Card title={t('dash.slaByDepartment')}><SlaTable rows={f.slaByDepartment} by="department" keyLabel={deptName} testId="sla-department" /></Card>
        <Card title={t('dash.slaByGrid')}><SlaTable rows={f.slaByGrid} by="grid" keyLabel={gridName} testId="sla-grid" /></Card>
        <Card title={t('dash.devicesByKind')}><HealthTable rows={f.devices.byKind} by="kind" testId="devices-kind" /></Card>
        <Card title={t('dash.devicesByGrid')}><HealthTable rows={f.devices.byGrid} by="grid" testId="devices-grid" /></Card>
        <Card title={t('dash.longestOffline')} wide>
          <table class="figures" data-testid="longest-offline">
            <thead><tr><th>{t('dash.col.key')}</th><th>{t('dash.col.reason')}</th><th>{t('dash.col.since')}</th><th>{t('dash.col.offlineFor')}</th></tr></thead>
            <tbody>{f.devices.longestOffline.map((d) => <tr key={d.id} data-key={d.id}><td><button class="link" onClick={() => openDevice(d)}>{d.name}</button></td><td>{d.reason ? label('reason', d.reason) : '—'}</td><td>{d.since ?? '—'}</td><td>{d.offlineSeconds === null ? '—' : duration(d.offlineSeconds)}</td></tr>)}</tbody>
          </table>
        </Card>
      </div>
    </>
  );
}

export function DashboardView() {
  useEffect(() => {
    if (!figures.value) void reload();
  }, []);
  if (route.value[1] === 'screen') return <BigScreen />;
  const f = figures.value;
  return (
    <div class="dashboard" data-testid="dashboard">
      <header class="dash-head">
        <h2>{t('dash.title')}</h2>
        <PeriodPicker />
        {f && <span class="print-only">{new Date(f.window.from).toLocaleDateString()} – {new Date(f.window.to - 1).toLocaleDateString()}</span>}
        <span class="spacer" />
        <button class="no-print" data-testid="export-csv" disabled={!f} onClick={() => f && download(`dashboard-${localDay(f.window.from)}-${localDay(f.window.to - 1)}.csv`, figuresCsv(f, csvLabel))}>{t('dash.export')}</button>
        <button class="no-print" data-testid="print" onClick={() => window.print()}>{t('dash.print')}</button>
        <button class="no-print" data-testid="open-big-screen" onClick={() => go('dashboard', 'screen')}>{t('dash.bigScreen')}</button>
      </header>
      {failure.value && <p class="error" role="alert">{t('common.error', { message: failure.value })}</p>}
      {drill.value && <DrillList drill={drill.value} onClose={() => (drill.value = null)} />}
      {f ? <Figures f={f} /> : <p>{t('common.loading')}</p>}
    </div>
  );
}

export { figuresCsv, csvLabel };
