// Running totals over counts kept by objects that come and go, and counters
// read at scrape time that never go down when those objects do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { readCounter, RunningTotals } from './metric-kit.ts';

test('running totals: growth is added, a replaced object starts from zero, a forgotten one keeps what it counted', () => {
  const totals = new RunningTotals(['reason'] as const, [{ reason: 'b' }]);
  const at = (counts: Array<[string, string, number]>) =>
    Object.fromEntries(totals.update(counts.map(([object, reason, value]) => ({ object, labels: { reason }, value }))).map(([l, v]) => [l.reason, v]));
  assert.deepEqual(at([]), { b: 0 }, 'declared series start at 0');
  assert.deepEqual(at([['s1', 'a', 3], ['s2', 'a', 1]]), { b: 0, a: 4 });
  assert.deepEqual(at([['s1', 'a', 5], ['s2', 'a', 1]]), { b: 0, a: 6 });
  assert.deepEqual(at([['s1', 'a', 2]]), { b: 0, a: 8 }, 's1 was replaced (counts from 0 again: +2); s2 went, its 1 stays');
  assert.deepEqual(at([['s2', 'a', 4], ['s1', 'b', 1]]), { b: 1, a: 12 }, 's2 came back as a new object: +4');
});

test('a counter read from a room is exposed as a counter and never fails on a missing value', async () => {
  const registry = new Registry();
  let messages = 7;
  readCounter(registry, { name: 'x_messages_total', help: 'h', labelNames: ['kind'], read: () => [[{ kind: 'a' }, messages], [{ kind: 'b' }, Number.NaN]] });
  assert.match(await registry.metrics(), /# TYPE x_messages_total counter\nx_messages_total\{kind="a"\} 7\nx_messages_total\{kind="b"\} 0/);
  messages = 9;
  assert.match(await registry.metrics(), /x_messages_total\{kind="a"\} 9/);
});
