// Time in the dispatch view: one clock signal ticking each second (only while
// the view is shown), the SLA countdown of a dispatched incident and the age
// of an incident, so the queue and the detail count down together.
import { signal } from '@preact/signals';
import type { Incident } from '../api/types.ts';
import { t } from '../i18n/index.ts';

export const now = signal(Date.now());

let clockUsers = 0;
let clockTimer: number | undefined;

/** Starts the one-second clock; the returned function stops this use of it. */
export function startClock(): () => void {
  clockUsers++;
  if (clockTimer === undefined) {
    now.value = Date.now();
    clockTimer = window.setInterval(() => (now.value = Date.now()), 1000);
  }
  return () => {
    clockUsers--;
    if (clockUsers === 0 && clockTimer !== undefined) {
      clearInterval(clockTimer);
      clockTimer = undefined;
    }
  };
}

/** Less than this share of the SLA window left turns the countdown amber. */
export const LOW_SHARE = 0.2;

export type SlaLevel = 'ok' | 'low' | 'overdue';
export interface SlaState {
  level: SlaLevel;
  /** Remaining (or, when overdue, exceeded) milliseconds. */
  ms: number;
  text: string;
}

/** mm:ss below an hour, h:mm:ss above. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

/** The SLA runs while the department handles it, as the gateway's escalation does: not after its feedback, nor once archived or closed. */
const SLA_RUNS = new Set<Incident['status']>(['dispatched', 'handling']);

/** The countdown for an incident with a deadline, or null when none runs. */
export function slaState(incident: Incident, at: number): SlaState | null {
  if (!incident.slaDeadline || !SLA_RUNS.has(incident.status)) return null;
  const deadline = Date.parse(incident.slaDeadline);
  const left = deadline - at;
  if (left <= 0) return { level: 'overdue', ms: -left, text: t('dispatch.overdue', { t: formatCountdown(-left) }) };
  const start = incident.dispatchedAt ? Date.parse(incident.dispatchedAt) : NaN;
  const window = deadline - start;
  const low = Number.isFinite(window) && window > 0 && left < window * LOW_SHARE;
  return { level: low ? 'low' : 'ok', ms: left, text: formatCountdown(left) };
}

/** How long ago an incident was raised, coarse: 45 s, 12 min, 3 h 5 min, 2 d 4 h. */
export function formatAge(sinceIso: string, at: number): string {
  const s = Math.max(0, Math.floor((at - Date.parse(sinceIso)) / 1000));
  if (s < 60) return t('dispatch.age.s', { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('dispatch.age.m', { n: m });
  const h = Math.floor(m / 60);
  if (h < 24) return t('dispatch.age.h', { h, m: m % 60 });
  return t('dispatch.age.d', { d: Math.floor(h / 24), h: h % 24 });
}
