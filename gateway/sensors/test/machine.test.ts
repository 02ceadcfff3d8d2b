// The rule state machine alone: thresholds, `for` durations, hysteresis, rate.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { elapse, NORMAL, observe, type Machine } from '../rules/machine.ts';
import { SENSORS_DEFAULTS, type SensorsConfig } from '../config.ts';
import type { SensorInfo } from '../directory.ts';
import { resolveRules, type RuleSpec } from '../rules/resolve.ts';

const spec = (over: Partial<RuleSpec> = {}): RuleSpec => ({
  key: 'ch4:above', metric: 'ch4', cond: 'above', threshold: 20, recover: 10, forMs: 0, severity: 'critical', type: 'gas_leak', describe: '',
  message: { code: 'rule_above', params: { metric: 'ch4', threshold: 20 } }, ...over,
});

/** Feeds (value, at) pairs and returns the states and edges seen. */
function run(s: RuleSpec, inputs: Array<[number, number] | ['tick', number]>) {
  let m: Machine = NORMAL;
  const trace: string[] = [];
  for (const [x, at] of inputs) {
    const step = x === 'tick' ? elapse(m, s, at) : observe(m, s, x, at, at);
    m = step.machine;
    trace.push(step.edge ? `${m.state}!${step.edge}` : m.state);
  }
  return trace;
}

test('above with hysteresis: the band between recover and trigger keeps it firing', () => {
  assert.deepEqual(run(spec(), [[5, 0], [25, 1], [15, 2], [19, 3], [21, 4], [10, 5], [15, 6], [21, 7]]),
    ['normal', 'firing!fire', 'firing', 'firing', 'firing', 'normal!clear', 'normal', 'firing!fire']);
});

test('below rules mirror above rules', () => {
  assert.deepEqual(run(spec({ cond: 'below', threshold: 1, recover: 2 }), [[3, 0], [0.5, 1], [1.5, 2], [2, 3]]), ['normal', 'firing!fire', 'firing', 'normal!clear']);
});

test('for: pending until the condition has held long enough, by readings or by time alone', () => {
  const s = spec({ forMs: 10_000 });
  assert.deepEqual(run(s, [[25, 0], [26, 5000], [27, 10_000]]), ['pending', 'pending', 'firing!fire']);
  assert.deepEqual(run(s, [[25, 0], ['tick', 9999], ['tick', 10_000]]), ['pending', 'pending', 'firing!fire'], 'no new reading: the timer fires');
  assert.deepEqual(run(s, [[25, 0], [15, 5000], ['tick', 20_000]]), ['pending', 'normal', 'normal'], 'dropped below the trigger before the time');
});

test('for also delays the recovery; going back above while recovering resumes firing without a new alarm', () => {
  const s = spec({ forMs: 10_000 });
  assert.deepEqual(run(s, [[25, 0], ['tick', 10_000], [5, 11_000], [25, 12_000], [5, 13_000], ['tick', 22_999], ['tick', 23_000]]),
    ['pending', 'firing!fire', 'recovering', 'firing', 'recovering', 'recovering', 'normal!clear']);
});

test('a rising rule fires on a rise faster than its threshold, never on a fall, and recovers at half the threshold', () => {
  const s = spec({ cond: 'rate', threshold: 1, recover: 0.5 });
  assert.deepEqual(run(s, [[0.2, 0], [-1.5, 1], [-12.9, 2], [1.5, 3], [0.8, 4], [0.4, 5]]), ['normal', 'normal', 'normal', 'firing!fire', 'firing', 'normal!clear']);
});

test('a falling rule (negative threshold) mirrors it: falls only', () => {
  const s = spec({ cond: 'rate', threshold: -1, recover: -0.5 });
  assert.deepEqual(run(s, [[1.5, 0], [12.9, 1], [-1.5, 2], [-0.8, 3], [-0.4, 4]]), ['normal', 'normal', 'firing!fire', 'firing', 'normal!clear']);
});

test('a temperature sensor with the default rules: −12.9 °C/min raises no temperature_rising; fallPerMinute gives temperature_falling', () => {
  const sensor = (rules: SensorInfo['rules']) => ({ id: 't1', name: 'T1', kind: 'temperature', enabled: true, rules } as unknown as SensorInfo);
  const config = structuredClone(SENSORS_DEFAULTS) as SensorsConfig;
  const rate = (s: SensorInfo) => resolveRules(s, config).specs.filter((r) => r.cond === 'rate');
  const [rising, ...none] = rate(sensor({}));
  assert.deepEqual([rising?.type, rising?.threshold, none.length], ['temperature_rising', 10, 0]);
  assert.equal(rising!.describe, 'temp rising faster than 10/min for 30s');
  assert.deepEqual(run({ ...rising!, forMs: 0 }, [[-12.9, 0], [-30, 1]]), ['normal', 'normal'], 'a fall never raises temperature_rising');
  const both = rate(sensor({ temp: { fallPerMinute: 10 } }));
  const falling = both.find((r) => r.key === 'temp:fall')!;
  assert.deepEqual([falling.type, falling.threshold, falling.describe], ['temperature_falling', -10, 'temp falling faster than 10/min for 30s']);
  assert.deepEqual(run({ ...falling, forMs: 0 }, [[-12.9, 0], [-4, 1]]), ['firing!fire', 'normal!clear']);
});

test('the state carries the reading that started it (occurredAt, title)', () => {
  const step = observe(NORMAL, spec({ forMs: 1000 }), 25, 123, 456);
  assert.deepEqual(step.machine, { state: 'pending', since: 456, firedAt: null, value: 25, valueTs: 123 });
  const fired = elapse(step.machine, spec({ forMs: 1000 }), 2000);
  assert.deepEqual([fired.machine.valueTs, fired.machine.firedAt], [123, 2000]);
});
