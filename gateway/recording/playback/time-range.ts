// A [from, to] range from a query or body: ISO-8601 or epoch ms, checked the
// way the recordings API checks it (coded messages with the field at fault).
import { coded } from '../../../device-registry/index.ts';
import { say } from '../../../device-registry/messages.ts';

const MAX_DATE_MS = 8.64e15;

export function parseTime(value: string | number | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? value : /^\d{1,16}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_DATE_MS) throw coded('GW_ERR_VALIDATION', say('invalid_time'), field);
  return ms;
}

/** from < to, both given, the span at most `maxSeconds`. */
export function requireRange(q: { from?: string | number; to?: string | number }, maxSeconds: number): { from: number; to: number } {
  const from = parseTime(q.from, 'from');
  const to = parseTime(q.to, 'to');
  if (from === undefined) throw coded('GW_ERR_VALIDATION', say('required'), 'from');
  if (to === undefined) throw coded('GW_ERR_VALIDATION', say('required'), 'to');
  if (from >= to) throw coded('GW_ERR_VALIDATION', say('range_from_after_to'), 'from');
  if (to - from > maxSeconds * 1000) throw coded('GW_ERR_VALIDATION', say('range_too_long_seconds', { seconds: maxSeconds }), 'to');
  return { from, to };
}
