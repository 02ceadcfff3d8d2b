// The dashboard's period (today, 7 days, 30 days, custom) as the window the
// API counts in: [from, to), epoch ms, days starting at local midnight.
export type PeriodKind = 'today' | '7d' | '30d' | 'custom';

export interface Period {
  kind: PeriodKind;
  /** Custom only: first and last day, YYYY-MM-DD (local), both included. */
  fromDay?: string;
  toDay?: string;
}

export interface Window {
  from: number;
  to: number;
}

const DAY_MS = 86_400_000;
const midnight = (ms: number) => {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
};
/** The local midnight after `ms` (a DST day is not 24 h long). */
const nextMidnight = (ms: number) => {
  const d = new Date(midnight(ms));
  d.setDate(d.getDate() + 1);
  return d.getTime();
};
const dayStart = (day: string) => {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d).getTime();
};

/** Today: since midnight; 7 and 30 days: those days ending today; `to` is tomorrow's midnight (nothing counted can be later). */
export function windowOf(p: Period, now = Date.now()): Window {
  const to = nextMidnight(now);
  switch (p.kind) {
    case 'today': return { from: midnight(now), to };
    case '7d': return { from: midnight(now - 6 * DAY_MS), to };
    case '30d': return { from: midnight(now - 29 * DAY_MS), to };
    case 'custom': {
      const from = dayStart(p.fromDay ?? '1970-01-01');
      const last = dayStart(p.toDay ?? p.fromDay ?? '1970-01-01');
      return { from, to: nextMidnight(Math.max(from, last)) };
    }
  }
}

export const isoOf = (ms: number) => new Date(ms).toISOString();
export const windowQuery = (w: Window) => `from=${encodeURIComponent(isoOf(w.from))}&to=${encodeURIComponent(isoOf(w.to))}`;

/** The local day (YYYY-MM-DD) an instant falls in. */
export function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The window of one local day, clipped to the period's. */
export function dayWindow(day: string, within: Window): Window {
  const from = dayStart(day);
  return { from: Math.max(from, within.from), to: Math.min(nextMidnight(from), within.to) };
}

/** The window of one UTC hour bucket (2026-11-22T08:00:00Z), clipped to the period's. */
export function hourWindow(hourKey: string, within: Window): Window {
  const from = Date.parse(hourKey);
  return { from: Math.max(from, within.from), to: Math.min(from + 3_600_000, within.to) };
}
