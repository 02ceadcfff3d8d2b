// What a sensor card shows, derived from the live state and the open alarms:
// one status (firing > pending > offline > normal in the sort), the readings
// in display order, and how a number and a unit are written. No DOM; reasons
// and rule names in the operator's language (i18n).
import type { SensorAlarm, SensorState } from '../api/types.ts';
import { ruleText } from '../i18n/server-text.ts';
import { reasonText } from '../i18n/vocabulary.ts';

export type CardStatus = 'normal' | 'pending' | 'firing' | 'offline';

/** The state route also says why a sensor is not online. */
export type SensorLive = SensorState & { reason?: string };

export interface Reading { metric: string; value: number; unit?: string; ts: string }

export interface SensorCard {
  id: string;
  name: string;
  kind: string;
  gridCode?: string;
  status: CardStatus;
  /** Why offline, or the alarm that is pending / firing. */
  reason?: string;
  alarm?: SensorAlarm;
  lastSeen: string | null;
  readings: Reading[];
}

const ORDER: Record<CardStatus, number> = { firing: 0, pending: 1, offline: 2, normal: 3 };
/** A recovering alarm is still raised: it shows as firing until it clears. */
const FIRING_STATES = new Set(['firing', 'recovering']);
const OFFLINE_RULE = 'offline';
/** Readings that describe the device, not what it measures, go last. */
const HOUSEKEEPING = new Set(['battery']);

export function cardStatus(state: SensorLive, alarms: SensorAlarm[]): { status: CardStatus; reason?: string; alarm?: SensorAlarm } {
  if (state.health !== 'online') return { status: 'offline', reason: reasonText(state.reason ?? state.health) };
  const measured = alarms.filter((a) => a.rule !== OFFLINE_RULE);
  const firing = measured.find((a) => FIRING_STATES.has(a.state));
  if (firing) return { status: 'firing', reason: ruleText(firing.rule), alarm: firing };
  const pending = measured.find((a) => a.state === 'pending');
  if (pending) return { status: 'pending', reason: ruleText(pending.rule), alarm: pending };
  return { status: 'normal' };
}

export function toCard(state: SensorLive, alarms: SensorAlarm[]): SensorCard {
  const readings = Object.entries(state.values)
    .map(([metric, v]) => ({ metric, value: v.value, unit: v.unit, ts: v.ts }))
    .sort((a, b) => Number(HOUSEKEEPING.has(a.metric)) - Number(HOUSEKEEPING.has(b.metric)) || a.metric.localeCompare(b.metric));
  return {
    id: state.id, name: state.name, kind: state.kind, gridCode: state.gridCode, lastSeen: state.lastSeen, readings,
    ...cardStatus(state, alarms),
  };
}

/** Firing first, then pending, offline, normal; by name within each. */
export function sortCards(cards: SensorCard[]): SensorCard[] {
  return [...cards].sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.name.localeCompare(b.name, 'zh-CN'));
}

/** The reading a one-line row shows: the one in alarm, else the first measured one. */
export function primaryReading(card: SensorCard): Reading | undefined {
  const metric = card.alarm?.rule.split(':')[0];
  return card.readings.find((r) => r.metric === metric) ?? card.readings[0];
}

/** At most two decimals, no trailing zeros: 3.008 → "3.01", 2 → "2". */
export function formatValue(value: number): string {
  return String(Number(value.toFixed(2)));
}

/** UCUM codes the devices send, as a person reads them (the shared vocabulary's units). */
export { unitText } from '../i18n/vocabulary.ts';
