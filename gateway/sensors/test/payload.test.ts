// The payload parser: the three shapes, every kind of bad input, and a fuzz
// run that proves nothing thrown by random bytes or random JSON escapes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SENSORS_DEFAULTS } from '../config.ts';
import { parseAvailability, parseTelemetry, toEpochMs, type ParseContext } from '../ingest/payload.ts';

const NOW = Date.UTC(2025, 0, 1, 12);
const ctx = (over: Partial<ParseContext> = {}): ParseContext => ({
  kind: SENSORS_DEFAULTS.kinds.gas!, unit: '%LEL', now: NOW, maxReadings: 64, futureSkewMs: 300_000, maxAgeMs: 7 * 86_400_000, ...over,
});
const parse = (doc: unknown, over?: Partial<ParseContext>) => parseTelemetry(Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc)), ctx(over));

test('the full form, with per-reading times and booleans', () => {
  const p = parse({ ts: NOW - 1000, readings: [{ n: 'ch4', v: 12.5, u: '%LEL' }, { n: 'CO', v: 3, t: (NOW - 2000) / 1000 }, { n: 'o2', vb: true }] });
  assert.deepEqual(p.problems, []);
  assert.deepEqual(p.readings, [
    { metric: 'ch4', value: 12.5, unit: '%LEL', ts: NOW - 1000 },
    { metric: 'co', value: 3, unit: 'ppm', ts: NOW - 2000 },
    { metric: 'o2', value: 1, unit: '%VOL', ts: NOW - 1000 },
  ]);
});

test('the short form uses the kind’s default metric and the sensor’s unit; ISO and second timestamps', () => {
  assert.deepEqual(parse({ value: 7, ts: new Date(NOW - 5000).toISOString() }).readings, [{ metric: 'ch4', value: 7, unit: '%LEL', ts: NOW - 5000 }]);
  assert.deepEqual(parse({ value: 7, ts: (NOW - 5000) / 1000 }).readings[0]?.ts, NOW - 5000);
  assert.deepEqual(parse({ value: 7 }).readings[0]?.ts, NOW, 'no timestamp: the arrival time');
  assert.deepEqual(parse({ value: 2 }, { kind: undefined, unit: undefined }).readings, [{ metric: 'value', value: 2, ts: NOW }], 'unknown kind');
});

test('a vendor shape through the kind’s mapping', () => {
  const kind = { ...SENSORS_DEFAULTS.kinds.gas!, mapping: { ts: 'time', tsUnit: 's' as const, metrics: { ch4: 'data.gas', battery: 'dev.bat' } } };
  const p = parse({ time: NOW / 1000 - 1, data: { gas: 4.5 }, dev: { bat: 88 } }, { kind });
  assert.deepEqual(p.readings, [{ metric: 'ch4', value: 4.5, unit: '%LEL', ts: NOW - 1000 }, { metric: 'battery', value: 88, unit: '%', ts: NOW - 1000 }]);
  assert.equal(parse({ other: 1 }, { kind }).problems[0]?.message, 'no readings at the mapped paths');
});

test('bad input is reported with a reason, and good readings beside bad ones survive', () => {
  const reason = (doc: unknown) => parse(doc).problems.map((p) => p.reason);
  assert.deepEqual(reason('{"readings": [1,'), ['malformed']);
  assert.deepEqual(reason('[1, 2]'), ['malformed']);
  assert.deepEqual(reason('"text"'), ['malformed']);
  assert.deepEqual(reason({ readings: 'ch4=5' }), ['invalid']);
  assert.deepEqual(reason({ value: '12.5' }), ['invalid'], 'a number as a string is a wrong type');
  assert.deepEqual(reason({ value: null }), ['invalid']);
  assert.deepEqual(reason({ readings: [{ n: 'bad name!', v: 1 }] }), ['invalid']);
  assert.deepEqual(reason({ readings: [{ n: 'ch4', v: 5, u: 'ppm' }] }), ['invalid'], 'wrong unit');
  assert.deepEqual(reason({ value: 150 }), ['impossible'], 'over 100 %LEL');
  assert.deepEqual(reason({ value: -1 }), ['impossible']);
  assert.deepEqual(reason({ hello: 1 }), ['invalid']);
  assert.deepEqual(reason({ readings: Array.from({ length: 65 }, () => ({ n: 'ch4', v: 1 })) }), ['invalid']);
  const mixed = parse({ readings: [{ n: 'ch4', v: 5 }, { n: 'co', v: 'x' }, { n: 'ch4', v: 1e9 }] });
  assert.deepEqual(mixed.readings.map((r) => r.value), [5]);
  assert.deepEqual(mixed.problems.map((p) => p.reason), ['invalid', 'impossible']);
});

test('timestamps from the future or the distant past are replaced by the arrival time and reported', () => {
  for (const ts of [NOW + 3600_000, 86_400, '1970-01-02T00:00:00Z', 'yesterday']) {
    const p = parse({ value: 5, ts });
    assert.equal(p.readings[0]?.ts, NOW, String(ts));
    assert.deepEqual(p.problems.map((x) => x.reason), ['bad_timestamp']);
  }
  assert.equal(toEpochMs(1732233600), 1732233600000);
  assert.equal(toEpochMs(1732233600123), 1732233600123);
  assert.equal(toEpochMs(-5), undefined);
});

test('availability payloads', () => {
  for (const [text, want] of [['online', 'online'], [' OFFLINE\n', 'offline'], ['"online"', 'online'], ['{"state":"offline"}', 'offline'], ['on', undefined], ['{', undefined]] as const) {
    assert.equal(parseAvailability(Buffer.from(text)), want, text);
  }
});

test('fuzz: random bytes and random JSON never throw', () => {
  const atoms = [0, -1, 1.5, 1e308, '', 'ch4', null, true, [], {}, 'NaN'];
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  const randomValue = (depth: number): unknown => {
    if (depth > 3 || Math.random() < 0.4) return pick(atoms);
    if (Math.random() < 0.5) return Array.from({ length: Math.floor(Math.random() * 4) }, () => randomValue(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(Math.random() * 4) }, () => [pick(['n', 'v', 'u', 't', 'ts', 'vb', 'value', 'readings', 'x']), randomValue(depth + 1)]));
  };
  for (let i = 0; i < 3000; i++) {
    const payload = i % 3 === 0 ? randomBytes(Math.floor(Math.random() * 64)) : Buffer.from(JSON.stringify(randomValue(0)) ?? 'null');
    const p = parseTelemetry(payload, ctx());
    for (const r of p.readings) assert.ok(Number.isFinite(r.value) && Number.isFinite(r.ts));
    parseAvailability(payload);
  }
});
