import assert from 'node:assert/strict';
import { test } from 'node:test';
import { occurredAt } from './incidents.ts';

const NOW = Date.parse('2026-12-07T10:00:00Z');
const at = (ms: number) => ({ topic: 't', at: ms, source: {}, data: {} });

test("an event's time is kept (the client moved it onto our clock)", () => {
  assert.equal(occurredAt(at(NOW - 5000), NOW), NOW - 5000);
  assert.equal(occurredAt(at(NOW - 86_400_000), NOW), NOW - 86_400_000);
});

test('a time the door would refuse (a clock never set, hours ahead) is the arrival time', () => {
  assert.equal(occurredAt(at(Date.parse('2000-01-01T00:00:00Z')), NOW), NOW);
  assert.equal(occurredAt(at(NOW + 3600_000), NOW), NOW);
  assert.equal(occurredAt(at(Number.NaN), NOW), NOW);
});
