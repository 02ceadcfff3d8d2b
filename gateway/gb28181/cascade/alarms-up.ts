// Incidents sent up as GB/T 28181 Alarm notifications: which ones an upper
// platform wants (by type, severity, grid cell with the cells below it), and
// the Alarm body (priority from severity, method from where it came from).
import type { Coverage, Scopes } from '../../../device-registry/index.ts';
import type { AlarmNotify } from '../manscdp/index.ts';
import type { AlarmFilterConfig } from './config.ts';
import { localTime } from './local-time.ts';

/** The fields of a public incident (gateway/incidents/view.ts) an alarm needs. */
export interface IncidentForAlarm {
  id: string;
  type: string;
  severity: string;
  title?: string | null;
  source: { kind: string; id: string };
  location: { lat: number; lng: number } | null;
  gridCode: string | null;
  firstSeen: string | null;
}

export class AlarmFilter {
  private coverage: Coverage | undefined;

  constructor(private readonly filter: AlarmFilterConfig | undefined, private readonly scopes: Scopes) {}

  async refresh(): Promise<void> {
    if (this.filter?.grids?.length) this.coverage = await this.scopes.coverageOf(this.filter.grids);
  }

  wants(i: IncidentForAlarm): boolean {
    const f = this.filter;
    if (!f) return false;
    if (f.types && !f.types.includes(i.type)) return false;
    if (f.severities && !(f.severities as readonly string[]).includes(i.severity)) return false;
    if (f.grids?.length) return i.gridCode !== null && this.coverage !== undefined && this.coverage !== null && this.coverage.has(i.gridCode);
    return true;
  }
}

/** GB/T 28181 AlarmPriority: 1 is the most urgent. */
const PRIORITY: Record<string, 1 | 2 | 3 | 4> = { critical: 1, major: 2, minor: 3, warning: 4 };
/** AlarmMethod: 2 device alarm, 5 video analysis, 6 device fault, 1 phone (a person's report), 7 other. */
const METHOD: Record<string, number> = { detector: 5, sensor: 2, gb28181: 2, onvif: 5, 'channel-health': 6, 'sensor-health': 6, manual: 1 };

export function alarmOf(i: IncidentForAlarm, deviceId: string): AlarmNotify {
  const method = METHOD[i.source.kind] ?? 7;
  return {
    deviceId,
    priority: PRIORITY[i.severity] ?? 3,
    method,
    // For video analysis alarms the type names the analysis; 1 (manual video alarm) stands in for the rest.
    ...(method === 5 ? { type: 1 } : {}),
    time: localTime(i.firstSeen ? new Date(i.firstSeen) : new Date()),
    description: (i.title ?? i.type).slice(0, 128),
    ...(i.location ? { latitude: i.location.lat, longitude: i.location.lng } : {}),
  };
}
