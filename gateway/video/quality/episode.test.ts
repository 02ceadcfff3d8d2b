// Persistence: nothing before a defect lasted persistenceSeconds, one raise
// while it lasts, a raise again only for a new defect, a clear after the
// picture stayed clean as long, and a flicker keeps the episode open.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DefectEpisode } from './episode.ts';

test('a defect is raised once after it persisted, and cleared after as long clean', () => {
  const e = new DefectEpisode(10_000);
  assert.equal(e.update(['black'], 0), undefined);
  assert.equal(e.update(['black'], 5_000), undefined);
  assert.deepEqual(e.update(['black'], 10_000), { raise: ['black'], since: 0 });
  assert.equal(e.update(['black'], 15_000), undefined, 'not repeated while it lasts');
  assert.deepEqual(e.raised, ['black']);
  assert.equal(e.update([], 20_000), undefined);
  assert.equal(e.update(['black'], 25_000), undefined, 'a flicker back keeps the episode open without a raise');
  assert.equal(e.update([], 26_000), undefined);
  assert.deepEqual(e.update([], 36_000), { clear: true });
  assert.equal(e.raised, undefined);
  assert.equal(e.update([], 50_000), undefined, 'nothing to clear twice');
});

test('one bad look between good ones raises nothing', () => {
  const e = new DefectEpisode(10_000);
  assert.equal(e.update([], 0), undefined);
  assert.equal(e.update(['blur'], 5_000), undefined);
  assert.equal(e.update([], 10_000), undefined);
  assert.equal(e.update(['blur'], 15_000), undefined);
  assert.equal(e.update(['blur'], 24_000), undefined, 'the run restarted at 15 s');
});

test('a new defect joining an open episode is raised again with the defects lasting now', () => {
  const e = new DefectEpisode(10_000);
  e.update(['blur'], 0);
  assert.deepEqual(e.update(['blur'], 10_000), { raise: ['blur'], since: 0 });
  assert.equal(e.update(['blur', 'noise'], 12_000), undefined);
  assert.deepEqual(e.update(['blur', 'noise'], 22_000), { raise: ['blur', 'noise'], since: 0 });
  e.update(['covered'], 23_000);
  assert.deepEqual(e.update(['covered'], 33_000), { raise: ['covered'], since: 23_000 }, 'blur and noise ended; covered lasts');
  assert.deepEqual(e.raised, ['blur', 'noise', 'covered']);
});

test('persistence 0: raised and cleared on the look itself', () => {
  const e = new DefectEpisode(0);
  assert.deepEqual(e.update(['covered'], 100), { raise: ['covered'], since: 100 });
  assert.deepEqual(e.update([], 200), { clear: true });
});
