import assert from 'node:assert/strict';
import { test } from 'node:test';
import { affinity, fairShares } from './fair-share.ts';

const nodes = (...caps: number[]) => caps.map((capacity, i) => ({ nodeId: `n${i}`, capacity }));
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

test('equal nodes split the channels evenly, rounding up', () => {
  const q = fairShares(10, nodes(100, 100, 100));
  assert.deepEqual([...q.values()].sort(), [3, 3, 4]);
  assert.equal(sum(q), 10);
});

test('a small node is capped and the others take the rest', () => {
  const q = fairShares(100, nodes(10, 100, 100));
  assert.equal(q.get('n0'), 10);
  assert.equal(q.get('n1'), 45);
  assert.equal(q.get('n2'), 45);
});

test('more channels than capacity: every node is full, the rest stays unowned', () => {
  const q = fairShares(500, nodes(100, 100));
  assert.equal(sum(q), 200);
});

test('no nodes, no channels', () => {
  assert.equal(fairShares(10, []).size, 0);
  assert.deepEqual([...fairShares(0, nodes(5, 5)).values()], [0, 0]);
});

test('affinity is stable and differs by node', () => {
  assert.equal(affinity('a', 'ch-1'), affinity('a', 'ch-1'));
  const differ = Array.from({ length: 50 }, (_, i) => affinity('a', `ch-${i}`) !== affinity('b', `ch-${i}`)).filter(Boolean).length;
  assert.ok(differ >= 49);
});
