// Figures the page keeps for the benchmark and the browser tests: when each
// alarm's boxes were first drawn. Read from `window.wallMetrics`.
/** raisedAt: the gateway created the incident; arrivedAt: it reached this tab; drawnAt: its boxes first on screen (epoch ms). */
export interface AlarmDraw { channelId: string; incidentId: string; raisedAt: number; arrivedAt: number; drawnAt: number }

interface WallMetrics { alarmDraws: AlarmDraw[] }
const metrics: WallMetrics = { alarmDraws: [] };
(window as unknown as { wallMetrics: WallMetrics }).wallMetrics = metrics;

export function recordAlarmDraw(d: AlarmDraw): void {
  metrics.alarmDraws.push(d);
  if (metrics.alarmDraws.length > 1000) metrics.alarmDraws.shift();
}
