import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { DateTime, EpochMs, jsonBounds, jsonOverBounds, timeProblem } from './bounds.ts';
import { check, createAjv, formatAjvErrors } from './validation.ts';

const nest = (levels: number, inner: unknown = 1): unknown => {
  let v = inner;
  for (let i = 0; i < levels; i++) v = i % 2 ? { a: v } : [v];
  return v;
};

test('depth counts levels of objects and arrays; a value 100,000 deep is measured without overflowing', () => {
  assert.equal(jsonOverBounds(1, { maxDepth: 0 }), undefined);
  assert.equal(jsonOverBounds({}, { maxDepth: 0 }), 'depth');
  assert.equal(jsonOverBounds({ a: [] }, { maxDepth: 2 }), undefined);
  assert.equal(jsonOverBounds({ a: [{}] }, { maxDepth: 2 }), 'depth');
  assert.equal(jsonOverBounds(nest(100_000), { maxDepth: 16 }), 'depth');
  assert.equal(jsonOverBounds(nest(100_000), { maxBytes: 1000 }), 'bytes');
});

test('size is the JSON text in UTF-8 bytes, close enough to refuse before storing', () => {
  const value = { name: '东门广场', list: [1, 2.5, true, null, 'x'], nested: { k: 'v' } };
  const exact = Buffer.byteLength(JSON.stringify(value));
  assert.equal(jsonOverBounds(value, { maxBytes: exact + 8 }), undefined);
  assert.equal(jsonOverBounds(value, { maxBytes: exact - 8 }), 'bytes');
});

test('a time outside its window, or not a real instant, says what it must be', () => {
  const now = Date.UTC(2026, 5, 1);
  const w = { pastMs: 30 * 86_400_000, futureMs: 300_000 };
  assert.equal(timeProblem(now - 86_400_000, w, now), undefined);
  assert.equal(timeProblem(1e20, w, now), 'must be a time from 30 days ago to 5 minutes ahead (epoch ms)');
  assert.match(timeProblem(now + 600_000, w, now)!, /5 minutes ahead/);
  assert.match(timeProblem(now - 31 * 86_400_000, w, now)!, /30 days ago/);
  assert.match(timeProblem(Number.NaN, w, now)!, /not a time/);
  assert.match(timeProblem('2016-12-31T23:59:60Z', { futureMs: 86_400_000 }, now)!, /not a time the gateway can read/);
  assert.match(timeProblem('1969-12-31T23:59:59Z', { futureMs: 86_400_000 }, now)!, /from 1970-01-01/);
});

test('the keywords hold in the project ajv: for bodies and for coerced query strings, naming the field', () => {
  const Body = Type.Object({
    at: EpochMs({ pastMs: 86_400_000, futureMs: 60_000 }),
    extra: Type.Optional(Type.Object({}, { additionalProperties: true, ...jsonBounds({ maxDepth: 3, maxBytes: 64 }) })),
  });
  assert.deepEqual(check(Body, { at: Date.now(), extra: { a: { b: 1 } } }), []);
  assert.deepEqual(check(Body, { at: 1e20 }).map((e) => e.field), ['at']);
  assert.deepEqual(check(Body, { at: Date.now(), extra: { a: { b: { c: {} } } } }), [{ field: 'extra', message: 'is nested deeper than 3 levels', code: 'too_deep', params: { maxDepth: 3 } }]);
  assert.deepEqual(check(Body, { at: Date.now(), extra: { a: 'x'.repeat(100) } }), [{ field: 'extra', message: 'is larger than 64 bytes as JSON', code: 'too_large', params: { maxBytes: 64 } }]);
  const query = createAjv('coerce').compile(Type.Object({ from: Type.Optional(DateTime()) }));
  assert.equal(query({ from: '2026-01-01T00:00:00Z' }), true);
  assert.equal(query({ from: '9999-12-31T23:59:59Z' }), false);
  assert.deepEqual(formatAjvErrors(query.errors).map((e) => e.field), ['from']);
});
