// The current view as CSV (for the 月报): one row per figure item, with the
// period, quoted as RFC 4180 asks; a BOM so Excel reads the Chinese right.
import type { Figures } from './figures.ts';
import { isoOf } from './period.ts';

const cell = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Rows: figure, key, value, extra (dispatched/breached, devices/online). `labels` names the figures in the reader's language. */
export function figuresCsv(f: Figures, labels: (figure: string) => string): string {
  const rows: Array<Array<string | number | null>> = [['figure', 'key', 'value', 'detail']];
  const period = `${isoOf(f.window.from)}/${isoOf(f.window.to)}`;
  rows.push([labels('period'), period, f.total, null]);
  const counts: Array<[string, Figures['byType']]> = [
    ['byType', f.byType], ['bySource', f.bySource], ['byGrid', f.byGrid], ['bySeverity', f.bySeverity],
    ['daily', f.daily], ['hourly', f.hourly], ['topGrids', f.topGrids], ['sensorAlarms', f.sensorAlarms],
  ];
  for (const [name, list] of counts) for (const i of list) rows.push([labels(name), i.key, i.value, null]);
  for (const s of f.steps) rows.push([labels('steps'), s.to, s.avgSeconds, `count=${s.count} incidents=${s.incidents} max=${s.maxSeconds}`]);
  rows.push([labels('sla'), 'all', f.sla.breachRate, `dispatched=${f.sla.dispatched} breached=${f.sla.breached}`]);
  for (const [name, list] of [['slaByDepartment', f.slaByDepartment], ['slaByGrid', f.slaByGrid]] as const) {
    for (const s of list) rows.push([labels(name), s.key, s.breachRate, `dispatched=${s.dispatched} breached=${s.breached}`]);
  }
  for (const [name, list] of [['devicesByKind', f.devices.byKind], ['devicesByGrid', f.devices.byGrid]] as const) {
    for (const g of list) rows.push([labels(name), g.key, g.onlineRate, `devices=${g.devices} online=${g.online}`]);
  }
  for (const d of f.devices.longestOffline) rows.push([labels('longestOffline'), d.id, d.offlineSeconds, `${d.kind} ${d.gridCode ?? ''} ${d.since ?? ''}`.trim()]);
  return `\uFEFF${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

export function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
