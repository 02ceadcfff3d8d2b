// How a dashboard figure's items drill down: the /api/incidents filter that
// lists exactly what the gateway counted (same window on first_seen; the
// gateway applies the caller's cells to both). Also the daily trend, summed
// from the hourly buckets per local day. Pure: no API, no DOM.
import { dayWindow, hourWindow, localDay, windowQuery, type Window } from './period.ts';

export interface Item {
  key: string;
  value: number;
}

export function dailyOf(hourly: Item[], w: Window): Item[] {
  const days = new Map<string, number>();
  for (let at = w.from; at < w.to; at += 3_600_000) days.set(localDay(at), 0);
  for (const h of hourly) {
    const day = localDay(Date.parse(h.key));
    days.set(day, (days.get(day) ?? 0) + h.value);
  }
  return [...days].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => ({ key, value }));
}

/** Which chart an item is in, for its drill-down. */
export type IncidentFigure = 'type' | 'source' | 'grid' | 'severity' | 'hour' | 'day' | 'sensor';

/**
 * The /api/incidents query listing exactly the incidents an item counted (same
 * window on first_seen, same cell scope at the gateway); undefined when the list
 * cannot express it (incidents with no cell).
 */
export function drillQuery(figure: IncidentFigure, key: string, w: Window): string | undefined {
  if (key === '(none)') return undefined;
  switch (figure) {
    case 'type': return `type=${encodeURIComponent(key)}&${windowQuery(w)}`;
    case 'source': return `sourceKind=${encodeURIComponent(key)}&${windowQuery(w)}`;
    case 'grid': return `grid=${encodeURIComponent(key)}&${windowQuery(w)}`;
    case 'severity': return `severity=${encodeURIComponent(key)}&${windowQuery(w)}`;
    case 'sensor': return `sourceKind=sensor&type=${encodeURIComponent(key)}&${windowQuery(w)}`;
    case 'hour': return windowQuery(hourWindow(key, w));
    case 'day': return windowQuery(dayWindow(key, w));
  }
}

/** Which SLA count of a department's or a cell's row: the dispatched, or those of them that breached. */
export type SlaCount = 'dispatched' | 'breached';

/**
 * The /api/incidents query listing the incidents an SLA row counted: dispatched
 * in the window, by department or by cell; undefined for the "(none)" row.
 */
export function slaDrillQuery(by: 'department' | 'grid', key: string, which: SlaCount, w: Window): string | undefined {
  if (key === '(none)') return undefined;
  return `${by}=${encodeURIComponent(key)}&sla=${which}&${windowQuery(w)}`;
}

/** The incidents a step of the closed loop counted: those that reached the status in the window. */
export const stepDrillQuery = (status: string, w: Window): string => `reached=${encodeURIComponent(status)}&${windowQuery(w)}`;
