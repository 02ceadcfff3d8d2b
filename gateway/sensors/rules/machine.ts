// One rule's state machine, as pure functions (no clock, no I/O):
//   normal → pending (condition holds, waiting `for`) → firing → recovering
//   (past the recovery threshold, waiting `for` again) → normal.
// A value between the recovery and trigger thresholds keeps a firing rule
// firing: that band is the hysteresis that stops an alarm from flapping.
import type { RuleStateName } from '../state/state-db.ts';
import type { RuleSpec } from './resolve.ts';

export interface Machine {
  state: RuleStateName;
  since: number;
  firedAt: number | null;
  value: number | null;
  valueTs: number | null;
}

export type Edge = 'fire' | 'clear' | undefined;

export interface Step {
  machine: Machine;
  edge: Edge;
  changed: boolean;
}

export const NORMAL: Machine = { state: 'normal', since: 0, firedAt: null, value: null, valueTs: null };

/**
 * For rate rules `x` is the change per minute, signed: a rule with a positive
 * threshold watches rises only, one with a negative threshold falls only.
 * Otherwise `x` is the reading's value.
 */
export function triggered(spec: RuleSpec, x: number): boolean {
  if (spec.cond === 'above') return x > spec.threshold;
  if (spec.cond === 'below') return x < spec.threshold;
  return spec.threshold >= 0 ? x > spec.threshold : x < spec.threshold;
}

export function recovered(spec: RuleSpec, x: number): boolean {
  if (spec.cond === 'above') return x <= spec.recover;
  if (spec.cond === 'below') return x >= spec.recover;
  return spec.threshold >= 0 ? x <= spec.recover : x >= spec.recover;
}

const same = (machine: Machine): Step => ({ machine, edge: undefined, changed: false });
const to = (machine: Machine, edge?: Edge): Step => ({ machine, edge, changed: true });

/** A new observation `x` (taken at `ts`), evaluated at arrival time `now`. */
export function observe(m: Machine, spec: RuleSpec, x: number, ts: number, now: number): Step {
  switch (m.state) {
    case 'normal':
      if (!triggered(spec, x)) return same(m);
      if (spec.forMs > 0) return to({ state: 'pending', since: now, firedAt: null, value: x, valueTs: ts });
      return to({ state: 'firing', since: now, firedAt: now, value: x, valueTs: ts }, 'fire');
    case 'pending':
      if (!triggered(spec, x)) return to(NORMAL);
      return now - m.since >= spec.forMs ? to({ ...m, state: 'firing', since: now, firedAt: now }, 'fire') : same(m);
    case 'firing':
      if (!recovered(spec, x)) return same(m);
      if (spec.forMs > 0) return to({ ...m, state: 'recovering', since: now });
      return to(NORMAL, 'clear');
    case 'recovering':
      if (!recovered(spec, x)) return to({ ...m, state: 'firing', since: now });
      return now - m.since >= spec.forMs ? to(NORMAL, 'clear') : same(m);
  }
}

/** Time passing without a new observation: a pending rule fires, a recovering one clears, when `for` has run out. */
export function elapse(m: Machine, spec: RuleSpec, now: number): Step {
  if (m.state === 'pending' && now - m.since >= spec.forMs) return to({ ...m, state: 'firing', since: now, firedAt: now }, 'fire');
  if (m.state === 'recovering' && now - m.since >= spec.forMs) return to(NORMAL, 'clear');
  return same(m);
}
