// Figures the page keeps for the benchmark and the browser tests: when each
// alarm's boxes were first drawn, and how many chimes sounded (sound itself
// cannot be checked headless). Read from `window.wallMetrics`.
/** raisedAt: the gateway created the incident; arrivedAt: it reached this tab; drawnAt: its boxes first on screen (epoch ms). */
export interface AlarmDraw { channelId: string; incidentId: string; raisedAt: number; arrivedAt: number; drawnAt: number }

interface WallMetrics { alarmDraws: AlarmDraw[]; chimes: number }
const metrics: WallMetrics = { alarmDraws: [], chimes: 0 };
(window as unknown as { wallMetrics: WallMetrics }).wallMetrics = metrics;

export function recordAlarmDraw(d: AlarmDraw): void {
  metrics.alarmDraws.push(d);
  if (metrics.alarmDraws.length > 1000) metrics.alarmDraws.shift();
}

export function recordChime(): void {
  metrics.chimes++;
}
