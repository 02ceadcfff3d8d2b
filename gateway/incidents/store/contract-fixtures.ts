// Fixtures for the incident store contract (incident-store.contract.ts):
// candidates, closed-loop steps and error matchers, on a fixed clock.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { GwError } from '../../../device-registry/index.ts';
import type { Status } from '../transitions.ts';
import type { IncidentStore } from './incident-store.ts';
import type { IncidentRow, NewFlow, RaiseInput, RaiseResult } from './types.ts';
import type { Opened } from '../../../test/helpers/store-contract.ts';

export type OpenedStore = Opened<IncidentStore>;

/** The stores count codes per day in this zone (UTC+8, no DST). */
export const TIME_ZONE = 'Asia/Shanghai';
/** 2026-01-01 16:30 UTC is 2026-01-02 00:30 in Shanghai: the code day is 20260102. */
export const T0 = Date.UTC(2026, 0, 1, 16, 30);
export const MIN = 60_000;
export const COOLDOWN = 10 * MIN;
export const SYSTEM = { keyId: null, name: 'system', role: null };
export const ACTOR: NewFlow['actor'] = { keyId: 'k-disp', name: 'dispatcher', role: 'dispatcher' };

let keys = 0;
export const candidate = (over: Partial<RaiseInput> = {}): RaiseInput => ({
  id: randomUUID(), type: 'intrusion', category: 'security', severity: 'minor', title: 'someone at the gate', description: null,
  sourceKind: 'detector', sourceId: 'cam-1', dedupeKey: `key-${process.pid}-${++keys}`, occurredAt: T0, lat: 31.2, lng: 121.5, gridCode: 'G1',
  evidence: {}, clear: false, ...over,
});

export const raise = (store: IncidentStore, input: RaiseInput, now = T0, cooldownMs = COOLDOWN) => store.raise(input, now, cooldownMs, SYSTEM);

/** A raise that must have a row. */
export async function raised(store: IncidentStore, input: RaiseInput, now = T0): Promise<RaiseResult & { row: IncidentRow }> {
  const result = await raise(store, input, now);
  assert.ok(result.row, `expected a row, got outcome ${result.outcome}`);
  return result as RaiseResult & { row: IncidentRow };
}

/** One closed-loop step from the row's current status and version. */
export async function move(store: IncidentStore, row: IncidentRow, to: Status, set: Parameters<IncidentStore['transition']>[0]['set'] = {}, now = T0) {
  const { row: next } = await store.transition({
    id: row.id, expectedVersion: row.version, from: row.status, to, set,
    flow: { actor: ACTOR, action: `to-${to}`, from: row.status, to, note: null, attachments: [], data: Object.keys(set).length ? { ...set } : null },
    event: 'incident.transition',
  }, now);
  return next;
}

/** Asserts a GwError with this code (and field, when given). */
export const gwError = (code: string, field?: string) => (err: unknown) => {
  assert.ok(err instanceof GwError, `expected a GwError, got ${String(err)}`);
  assert.equal(err.code, code);
  if (field !== undefined) assert.equal(err.field, field);
  return true;
};

export const allEvents = (store: IncidentStore) => store.eventsSince(0, 100_000);
